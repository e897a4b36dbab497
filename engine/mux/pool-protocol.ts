import type { Placement } from './ts-output.js';

/** What the pool backend gives each worker: one output ring per worker, claimed in start order through `claim`. */
export interface PoolWorkerData {
  readonly rings: readonly SharedArrayBuffer[];
  readonly claim: SharedArrayBuffer;
}

/** One batch (batch-encoder layout) in the first `length` bytes of a shared buffer. */
export interface PoolTask {
  readonly batch: SharedArrayBuffer;
  readonly length: number;
}

export interface PoolResult {
  readonly ring: number;
  readonly placement: Placement;
  readonly partEnds: readonly number[];
  readonly state: Uint8Array;
}
