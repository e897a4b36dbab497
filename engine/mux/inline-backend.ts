import { batchByteLength, encodeBatch } from './batch-encoder.js';
import { BatchChannelMuxer, type BatchResult, type BatchRunner } from './channel-muxer.js';
import { createRing, DEFAULT_RING_BYTES, RingConsumer, RingProducer } from './ring-buffer.js';
import { placeOutput, toTsOutput } from './ts-output.js';
import type { MuxBackend } from './types.js';
import { WasmMuxer } from './wasm-muxer.js';

export interface InlineMuxOptions {
  /** Bytes of the ring that carries TS output to the consumer. */
  readonly ringBytes?: number;
}

/** The WASM muxer on the calling thread, one batch at a time across all channels, output in one ring. */
export async function createInlineMuxBackend(options: InlineMuxOptions = {}): Promise<MuxBackend> {
  const muxer = await WasmMuxer.create();
  const ring = createRing(options.ringBytes ?? DEFAULT_RING_BYTES);
  const producer = new RingProducer(ring);
  const consumer = new RingConsumer(ring);
  let closed = false;
  // The muxer's memory holds a batch's output until it is in the ring, so batches take turns.
  let turn: Promise<unknown> = Promise.resolve();

  const runBatch: BatchRunner = (frames, cuts, config, state) => {
    if (closed) return Promise.reject(new Error('mux backend closed'));
    const job = turn.then(async (): Promise<BatchResult> => {
      encodeBatch(muxer.input(batchByteLength(frames, cuts, config)), frames, cuts, config, state);
      const run = muxer.mux();
      const partEnds = Array.from(run.partEnds);
      const next = run.state.slice();
      const placement = await placeOutput(producer, run.ts);
      return { output: toTsOutput(consumer, placement, partEnds), state: next };
    });
    turn = job.catch(() => undefined);
    return job;
  };

  return {
    kind: 'inline',
    open: () => new BatchChannelMuxer(runBatch),
    async close() {
      closed = true;
      await turn;
    },
  };
}
