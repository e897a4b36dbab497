import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { BatchBuffers } from './batch-buffers.js';
import { batchByteLength, encodeBatch } from './batch-encoder.js';
import { BatchChannelMuxer, type BatchRunner } from './channel-muxer.js';
import type { PoolResult, PoolTask, PoolWorkerData } from './pool-protocol.js';
import { createRing, DEFAULT_RING_BYTES, RingConsumer } from './ring-buffer.js';
import { toTsOutput } from './ts-output.js';
import type { MuxBackend } from './types.js';

/** Tasks queued per worker so a busy worker picks up the next batch without a thread wake-up. */
const TASKS_PER_WORKER = 4;

export interface PoolMuxOptions {
  /** Worker threads; default os.availableParallelism(). */
  readonly threads?: number;
  /** Bytes of each worker's output ring. */
  readonly ringBytes?: number;
}

/**
 * The WASM muxer on a fixed-size piscina pool. A batch goes to a worker in one shared buffer, reused once
 * the result is back, and each worker owns one output ring for its lifetime, so the
 * pool never recycles workers (min = max threads); a worker that crashes is not replaced with a ring.
 */
export async function createPoolMuxBackend(options: PoolMuxOptions = {}): Promise<MuxBackend> {
  const threads = Math.max(1, options.threads ?? availableParallelism());
  const rings = Array.from({ length: threads }, () => createRing(options.ringBytes ?? DEFAULT_RING_BYTES));
  const consumers = rings.map((ring) => new RingConsumer(ring));
  const workerData: PoolWorkerData = { rings, claim: new SharedArrayBuffer(4) };
  const pool = new Piscina<PoolTask, PoolResult>({
    filename: new URL('./pool-worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: TASKS_PER_WORKER,
    workerData,
  });
  const buffers = new BatchBuffers();
  let closed = false;

  const runBatch: BatchRunner = async (frames, cuts, config, state) => {
    if (closed) throw new Error('mux backend closed');
    const length = batchByteLength(frames, cuts, config);
    const batch = buffers.take(length);
    encodeBatch(new Uint8Array(batch, 0, length), frames, cuts, config, state);
    const result = await pool.run({ batch, length });
    buffers.give(batch);
    return { output: toTsOutput(consumers[result.ring]!, result.placement, result.partEnds), state: result.state };
  };

  return {
    kind: 'pool',
    open: () => new BatchChannelMuxer(runBatch),
    async close() {
      closed = true;
      await pool.close();
    },
  };
}
