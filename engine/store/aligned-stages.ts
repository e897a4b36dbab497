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
 * most stages held at once (one per file being written, and one more during an append) and keeps them:
 * pages a stage never touched cost nothing.
 */
export class AlignedStages {
  private readonly free: Uint8Array[] = [];

  constructor(
    readonly stageBytes: number,
    private readonly stagesPerSlab: number,
  ) {
    if (stageBytes % DIRECT_IO_ALIGNMENT !== 0) throw new Error(`stage size ${stageBytes} is not block-aligned`);
  }

  /** A stage for the caller alone until it gives it back. */
  take(): Uint8Array {
    if (this.free.length === 0) this.addSlab();
    return this.free.pop()!;
  }

  give(stage: Uint8Array): void {
    this.free.push(stage);
  }

  private addSlab(): void {
    const pages = Math.ceil((this.stagesPerSlab * this.stageBytes) / WASM_PAGE_BYTES);
    const { buffer } = new WebAssembly.Memory({ initial: pages, maximum: pages });
    for (let i = this.stagesPerSlab - 1; i >= 0; i--) this.free.push(new Uint8Array(buffer, i * this.stageBytes, this.stageBytes));
  }
}
