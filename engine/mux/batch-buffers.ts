/**
 * The transferable buffers batches travel to the pool in. A buffer comes back with its task's result
 * and is reused: allocating and zero-filling a fresh ArrayBuffer per batch cost more than muxing it.
 * Sizes are rounded up to powers of two (64 KiB minimum). As many bytes are kept as are out with tasks
 * (the working set of the channels now live), at least MIN_RETAINED_BYTES.
 */
export class BatchBuffers {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private retained = 0;
  private lent = 0;

  take(length: number): ArrayBuffer {
    const size = Math.max(MIN_SIZE, 2 ** Math.ceil(Math.log2(length)));
    this.lent += size;
    const buffer = this.free.get(size)?.pop();
    if (!buffer) return new ArrayBuffer(size);
    this.retained -= size;
    return buffer;
  }

  /** A buffer that will never come back (its task failed in the worker). */
  lost(size: number): void {
    this.lent -= size;
  }

  give(buffer: ArrayBuffer): void {
    this.lent -= buffer.byteLength;
    if (this.retained + buffer.byteLength > Math.max(MIN_RETAINED_BYTES, this.lent)) return;
    let list = this.free.get(buffer.byteLength);
    if (!list) this.free.set(buffer.byteLength, (list = []));
    list.push(buffer);
    this.retained += buffer.byteLength;
  }
}

const MIN_SIZE = 64 << 10;
const MIN_RETAINED_BYTES = 32 << 20;
