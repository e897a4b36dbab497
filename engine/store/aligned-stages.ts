// The compiler's lib set (ES2023, node types) has no WebAssembly declarations; this is the part used here.
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
};

/** Offsets, lengths and addresses of direct writes are multiples of this: the largest logical block size in use. */
export const DIRECT_IO_ALIGNMENT = 4096;
const WASM_PAGE_BYTES = 65536;

/**
 * Block-aligned buffers that direct writes gather bytes in, reused from file to file. JavaScript cannot
 * align an ArrayBuffer, but WebAssembly memory starts on a page boundary; stages are cut from slabs of
 * such memory that are never grown, so no stage is detached under a write in flight. The set grows to the
 * most stages held at once (one per file being written, and one more during an append). Once more than
 * `maxFreeStages` are free, a slab whose stages are all free is let go, for the GC to unmap: a burst of
 * thousands of publishes must not keep a quarter of a megabyte per publish for good, while a steady load
 * keeps reusing the same, already faulted-in pages.
 */
export class AlignedStages {
  private readonly free: Uint8Array[] = [];
  /** Free stages per slab, by the slab's buffer. */
  private readonly freeInSlab = new Map<ArrayBufferLike, number>();

  constructor(
    readonly stageBytes: number,
    private readonly stagesPerSlab: number,
    private readonly maxFreeStages: number,
  ) {
    if (stageBytes % DIRECT_IO_ALIGNMENT !== 0) throw new Error(`stage size ${stageBytes} is not block-aligned`);
  }

  /** Bytes of the slabs kept, in use or free. */
  get retainedBytes(): number {
    return this.freeInSlab.size * this.stagesPerSlab * this.stageBytes;
  }

  /** A stage for the caller alone until it gives it back. */
  take(): Uint8Array {
    if (this.free.length === 0) this.addSlab();
    const stage = this.free.pop()!;
    this.freeInSlab.set(stage.buffer, this.freeInSlab.get(stage.buffer)! - 1);
    return stage;
  }

  give(stage: Uint8Array): void {
    this.free.push(stage);
    const free = this.freeInSlab.get(stage.buffer)! + 1;
    this.freeInSlab.set(stage.buffer, free);
    if (free === this.stagesPerSlab && this.free.length > this.maxFreeStages) this.dropSlab(stage.buffer);
  }

  private addSlab(): void {
    const pages = Math.ceil((this.stagesPerSlab * this.stageBytes) / WASM_PAGE_BYTES);
    const { buffer } = new WebAssembly.Memory({ initial: pages, maximum: pages });
    for (let i = this.stagesPerSlab - 1; i >= 0; i--) this.free.push(new Uint8Array(buffer, i * this.stageBytes, this.stageBytes));
    this.freeInSlab.set(buffer, this.stagesPerSlab);
  }

  private dropSlab(buffer: ArrayBufferLike): void {
    for (let i = this.free.length - 1; i >= 0; i--) if (this.free[i]!.buffer === buffer) this.free.splice(i, 1);
    this.freeInSlab.delete(buffer);
  }
}
