const SLAB_SIZE = 256 * 1024;
const LARGE = SLAB_SIZE / 8;

/**
 * Memory for incoming message bodies. Bodies are carved from slabs that are never reused: frames hand
 * views of them to the sink, which may keep them until its muxer call finishes, so a slab is freed by
 * the GC only once every frame in it is gone. Large bodies get their own allocation.
 */
export class MessageArena {
  private slab = Buffer.allocUnsafeSlow(0);
  private used = 0;

  alloc(length: number): Buffer {
    if (length >= LARGE) return Buffer.allocUnsafeSlow(length);
    if (this.used + length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
      this.used = 0;
    }
    const body = this.slab.subarray(this.used, this.used + length);
    this.used += length;
    return body;
  }
}
