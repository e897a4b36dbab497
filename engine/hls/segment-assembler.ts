import { PooledBody, type SegmentBufferPool } from './segment-buffers.js';

/** Room for a segment the size of the previous one plus this fraction, so most segments never grow. */
const HEADROOM_SHIFT = 2;

/**
 * Collects one segment's TS bytes in a single pooled buffer, so the ring can be released at once and the
 * store gets one large write per segment. Sized from the previous segment, it grows about once per publish.
 */
export class SegmentAssembler {
  private buffer: Buffer;
  private length = 0;

  constructor(
    private readonly pool: SegmentBufferPool,
    initialCapacity = 256 << 10,
  ) {
    this.buffer = pool.take(initialCapacity);
  }

  get size(): number {
    return this.length;
  }

  append(part: Uint8Array): void {
    const needed = this.length + part.byteLength;
    if (needed > this.buffer.length) {
      // The pool sizes it with headroom, and raises its capacity so later segments need not grow.
      const grown = this.pool.take(needed);
      this.buffer.copy(grown, 0, 0, this.length);
      this.pool.give(this.buffer);
      this.buffer = grown;
    }
    this.buffer.set(part, this.length);
    this.length = needed;
  }

  /**
   * The segment so far and its owner (release it when stored); the assembler starts the next one in a
   * buffer with room for a segment of the same size.
   */
  take(): { body: Buffer; owner: PooledBody } {
    const body = this.buffer.subarray(0, this.length);
    const owner = new PooledBody(this.buffer, this.pool);
    this.buffer = this.pool.take(this.length + (this.length >> HEADROOM_SHIFT));
    this.length = 0;
    return { body, owner };
  }

  /** The publish is over: the buffer goes back to the pool. */
  dispose(): void {
    this.pool.give(this.buffer);
    this.buffer = Buffer.alloc(0);
    this.length = 0;
  }
}
