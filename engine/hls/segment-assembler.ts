/**
 * Collects one segment's TS bytes in a single growing buffer, so the ring can be released at once and the
 * store gets one large write per segment. Sized from the previous segment, it grows about once per publish.
 */
export class SegmentAssembler {
  private buffer: Buffer;
  private length = 0;

  constructor(initialCapacity = 256 << 10) {
    this.buffer = Buffer.allocUnsafe(initialCapacity);
  }

  get size(): number {
    return this.length;
  }

  append(part: Uint8Array): void {
    const needed = this.length + part.byteLength;
    if (needed > this.buffer.byteLength) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buffer.byteLength * 2));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.buffer.set(part, this.length);
    this.length = needed;
  }

  /**
   * The segment so far; the assembler starts a new one with room for a segment of the same size. A buffer
   * that grew well past its content is trimmed, since the edge may keep recent segments in memory.
   */
  take(): Buffer {
    const wasted = this.buffer.byteLength - this.length > this.length >> 2;
    const segment = wasted ? Buffer.from(this.buffer.subarray(0, this.length)) : this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(Math.max(64 << 10, this.length + (this.length >> 3)));
    this.length = 0;
    return segment;
  }
}
