// The compiler's lib set (ES2023, node types) has no WebAssembly declarations; this is the part used here.
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
};

/** Offsets, lengths and addresses of direct writes are multiples of this: the largest logical block size in use. */
export const DIRECT_IO_ALIGNMENT = 4096;

/**
 * A fixed set of block-aligned buffers that direct writes copy through, lent to one write at a time and
 * handed to waiting writes in arrival order. JavaScript cannot align an ArrayBuffer, but WebAssembly
 * memory starts on a page boundary; it is never grown, so its buffer is never detached under a write in
 * flight. Being fixed, the set bounds the memory of every concurrent direct write of a store: the libuv
 * pool runs four writes at once, so more stages would only hold bytes for writes that wait anyway.
 */
export class AlignedStages {
  private readonly free: Uint8Array[] = [];
  private readonly waiting: ((stage: Uint8Array) => void)[] = [];

  constructor(count: number, readonly stageBytes: number) {
    if (stageBytes % DIRECT_IO_ALIGNMENT !== 0) throw new Error(`stage size ${stageBytes} is not block-aligned`);
    const pages = Math.ceil((count * stageBytes) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    for (let i = 0; i < count; i++) this.free.push(new Uint8Array(memory.buffer, i * stageBytes, stageBytes));
  }

  /** A stage for the caller alone until it gives it back. */
  take(): Promise<Uint8Array> {
    const stage = this.free.pop();
    if (stage) return Promise.resolve(stage);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(stage: Uint8Array): void {
    const next = this.waiting.shift();
    if (next) next(stage);
    else this.free.push(stage);
  }
}
