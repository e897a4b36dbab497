import { readFile } from 'node:fs/promises';
import { HDR_CUT_COUNT, STATE, STATE_BYTES } from './batch-layout.js';

// The compiler's lib set (ES2023, node types) has no WebAssembly declarations; this is the part used here.
declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: object }>;
};

interface MuxExports {
  readonly memory: { readonly buffer: ArrayBuffer };
  inputPtr(length: number): number;
  outputPtr(): number;
  partsPtr(): number;
  mux(): number;
}

/** Views into the muxer's memory, valid until its next `input` or `mux` call. */
export interface MuxRun {
  readonly ts: Uint8Array;
  /** End offset in `ts` of each part (cuts + 1 entries). */
  readonly partEnds: Uint32Array;
  /** The channel state after this batch. */
  readonly state: Uint8Array;
}

const wasmUrl = new URL('../../asm/mux.wasm', import.meta.url);
let compiled: Promise<object> | undefined;

/** One instance of the WASM muxer: one batch at a time, any channel (the state travels in the batch). */
export class WasmMuxer {
  private inputAt = 0;

  private constructor(private readonly wasm: MuxExports) {}

  static async create(): Promise<WasmMuxer> {
    compiled ??= readFile(wasmUrl).then((bytes) => WebAssembly.compile(bytes));
    const instance = await WebAssembly.instantiate(await compiled, {});
    return new WasmMuxer(instance.exports as unknown as MuxExports);
  }

  /** Where to write the next batch of `length` bytes. */
  input(length: number): Uint8Array {
    this.inputAt = this.wasm.inputPtr(length);
    return new Uint8Array(this.wasm.memory.buffer, this.inputAt, length);
  }

  /** Muxes the batch last written to `input()`. */
  mux(): MuxRun {
    const length = this.wasm.mux();
    const buffer = this.wasm.memory.buffer;
    const cuts = new DataView(buffer).getUint32(this.inputAt + HDR_CUT_COUNT, true);
    return {
      ts: new Uint8Array(buffer, this.wasm.outputPtr(), length),
      partEnds: new Uint32Array(buffer, this.wasm.partsPtr(), cuts + 1),
      state: new Uint8Array(buffer, this.inputAt + STATE, STATE_BYTES),
    };
  }
}
