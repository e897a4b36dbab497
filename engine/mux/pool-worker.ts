// Piscina worker: claims its own output ring, then muxes batches of any channel on its WASM instance.

import { workerData } from 'piscina';
import type { PoolResult, PoolTask, PoolWorkerData } from './pool-protocol.js';
import { RingProducer } from './ring-buffer.js';
import { copyBytes } from '../shared-copy.js';
import { placeOutput } from './ts-output.js';
import { WasmMuxer } from './wasm-muxer.js';

const { rings, claim } = workerData as PoolWorkerData;
const ring = Atomics.add(new Int32Array(claim), 0, 1);
if (ring >= rings.length) throw new Error(`mux worker ${ring + 1} started but only ${rings.length} rings exist`);
const producer = new RingProducer(rings[ring]!);
const muxer = await WasmMuxer.create();

// Several tasks may be queued on this worker (fewer thread wake-ups); they take turns on the muxer,
// whose memory holds a batch's output until it is in the ring.
let turn: Promise<unknown> = Promise.resolve();

async function run(task: PoolTask): Promise<PoolResult> {
  copyBytes(muxer.input(task.length), 0, new Uint8Array(task.batch, 0, task.length));
  const mux = muxer.mux();
  const partEnds = Array.from(mux.partEnds);
  const state = mux.state.slice();
  const placement = await placeOutput(producer, mux.ts);
  return { ring, placement, partEnds, state };
}

export default function muxBatch(task: PoolTask): Promise<PoolResult> {
  const job = turn.then(() => run(task));
  turn = job.catch(() => undefined);
  return job;
}
