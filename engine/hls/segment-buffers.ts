const GRANULE = 256 << 10;

/**
 * Recycled buffers for segments being assembled. A fresh megabyte per segment made V8 count it as
 * external memory and run a full GC every few segments, and each new buffer's pages faulted on first
 * touch (a tenth of ingest CPU on this path): reuse removes both. Every buffer has the pool's capacity,
 * a quarter above the largest segment asked for so far, so any free buffer fits any segment (segments of
 * one stream vary by a fifth and more); capacity that is never written costs no resident memory. A
 * buffer is back in use soon after it is given (the next cut of any channel), so a small free list
 * suffices: at most `maxRetainedBytes` wait here, the rest is left to the GC.
 */
export class SegmentBufferPool {
  private readonly free: Buffer[] = [];
  private retained = 0;
  private capacity = GRANULE;

  constructor(private readonly maxRetainedBytes = 32 << 20) {}

  /** A buffer of at least `minBytes` (contents undefined). */
  take(minBytes: number): Buffer {
    if (minBytes > this.capacity) this.capacity = Math.ceil((minBytes + (minBytes >> 2)) / GRANULE) * GRANULE;
    while (this.free.length > 0) {
      const buffer = this.free.pop()!;
      this.retained -= buffer.length;
      // A buffer from before the capacity grew is dropped: segments now need more.
      if (buffer.length >= minBytes) return buffer;
    }
    return Buffer.allocUnsafeSlow(this.capacity);
  }

  give(buffer: Buffer): void {
    if (buffer.length < this.capacity || this.retained + buffer.length > this.maxRetainedBytes) return;
    this.free.push(buffer);
    this.retained += buffer.length;
  }
}

/**
 * A segment's bytes in a pooled buffer, shared by the HLS writer (until stored) and whoever retained it
 * (the edge's live cache, a response still being sent); the buffer goes back to the pool when the last
 * holder lets go, never earlier.
 */
export class PooledBody {
  private holders = 1;

  constructor(
    private readonly backing: Buffer,
    private readonly pool: SegmentBufferPool,
  ) {}

  /** Keeps the bytes valid until the returned function is called (once). */
  retain(): () => void {
    if (this.holders === 0) throw new Error('segment body retained after its release');
    this.holders++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  /** The creator's hold. */
  release(): void {
    if (--this.holders === 0) this.pool.give(this.backing);
  }
}
