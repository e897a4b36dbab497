import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { runCampaign } from './campaign.js';
import { findTarget } from './targets.js';

/** What run.ts hands each worker. */
export interface FuzzWorkerData {
  readonly target: string;
  readonly seconds: number;
  readonly seed: number;
  /** [Int32 executions started, Int32 input length, input bytes…]: lets the parent recover a hanging input. */
  readonly shared: SharedArrayBuffer;
}

export type FuzzWorkerMessage =
  | { readonly type: 'finding'; readonly kind: string; readonly signature: string; readonly detail: string; readonly input: Uint8Array }
  | { readonly type: 'done'; readonly executions: number; readonly corpusEntries: number; readonly behaviours: number; readonly findings: number };

const data = workerData as FuzzWorkerData;
const header = new Int32Array(data.shared, 0, 2);
const bytes = new Uint8Array(data.shared, 8);
const post = (m: FuzzWorkerMessage): void => parentPort!.postMessage(m);

const result = runCampaign(findTarget(data.target), {
  seed: data.seed,
  deadline: performance.now() + data.seconds * 1000,
  memoryEvery: 8,
  beforeRun(input) {
    const n = Math.min(input.length, bytes.length);
    bytes.set(input.subarray(0, n));
    Atomics.store(header, 1, n);
    Atomics.add(header, 0, 1);
  },
  onFinding: (f, input) => post({ type: 'finding', kind: f.kind, signature: f.signature, detail: f.detail, input }),
});
post({ type: 'done', ...result });
