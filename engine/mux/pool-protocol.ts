import type { Placement } from './ts-output.js';

/** What the pool backend gives each worker: one output ring per worker, claimed in start order through `claim`. */
export interface PoolWorkerData {
  readonly rings: readonly SharedArrayBuffer[];
  readonly claim: SharedArrayBuffer;
}

/** One batch (batch-encoder layout) in the first `length` bytes of a transferred buffer. */
export interface PoolTask {
  readonly batch: ArrayBuffer;
  readonly length: number;
}

export interface PoolResult {
  readonly ring: number;
  readonly placement: Placement;
  readonly partEnds: readonly number[];
  readonly state: Uint8Array;
  /** The task's batch buffer, transferred back for reuse. */
  readonly batch: ArrayBuffer;
}
