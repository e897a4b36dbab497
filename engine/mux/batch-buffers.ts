/**
 * The shared buffers batches travel to the pool in: the worker reads the batch where the socket thread
 * wrote it, and the buffer is reused once the task's result is back. Allocating and zero-filling a fresh
 * buffer per batch cost more than muxing it; transferring one back and forth made each round trip count
 * as new external memory, and V8 scavenges every few tens of megabytes of that, promoting whatever is in
 * flight. Sizes are rounded up to powers of two (64 KiB minimum); at most RETAINED_BYTES are kept.
 */
export class BatchBuffers {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private retained = 0;

  take(length: number): SharedArrayBuffer {
    const size = Math.max(MIN_SIZE, 2 ** Math.ceil(Math.log2(length)));
    const buffer = this.free.get(size)?.pop();
    if (!buffer) return new SharedArrayBuffer(size);
    this.retained -= size;
    return buffer;
  }

  give(buffer: SharedArrayBuffer): void {
    if (this.retained + buffer.byteLength > RETAINED_BYTES) return;
    let list = this.free.get(buffer.byteLength);
    if (!list) this.free.set(buffer.byteLength, (list = []));
    list.push(buffer);
    this.retained += buffer.byteLength;
  }
}

const MIN_SIZE = 64 << 10;
const RETAINED_BYTES = 32 << 20;
