/**
 * The transferable buffers batches travel to the pool in. A buffer comes back with its task's result
 * and is reused: allocating and zero-filling a fresh ArrayBuffer per batch cost more than muxing it.
 * Sizes are rounded up to powers of two (64 KiB minimum); at most RETAINED_BYTES are kept.
 */
export class BatchBuffers {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private retained = 0;

  take(length: number): ArrayBuffer {
    const size = Math.max(MIN_SIZE, 2 ** Math.ceil(Math.log2(length)));
    const buffer = this.free.get(size)?.pop();
    if (!buffer) return new ArrayBuffer(size);
    this.retained -= size;
    return buffer;
  }

  give(buffer: ArrayBuffer): void {
    if (this.retained + buffer.byteLength > RETAINED_BYTES) return;
    let list = this.free.get(buffer.byteLength);
    if (!list) this.free.set(buffer.byteLength, (list = []));
    list.push(buffer);
    this.retained += buffer.byteLength;
  }
}

const MIN_SIZE = 64 << 10;
const RETAINED_BYTES = 32 << 20;
