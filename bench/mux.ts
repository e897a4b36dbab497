// Muxer throughput: the WASM muxer alone on a prepared batch (one core), then the inline path against the
// piscina pool end to end (encode batch, mux, copy into the ring, release) with several channels at once.
// Prints one JSON object per line. Run: node dist/bench/mux.js [--channels N] [--seconds S] [--batch 10,100]

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { batchByteLength, encodeBatch } from '../engine/mux/batch-encoder.js';
import { STATE_BYTES } from '../engine/mux/batch-layout.js';
import { createInlineMuxBackend } from '../engine/mux/inline-backend.js';
import { encodeMuxConfig } from '../engine/mux/mux-config.js';
import { createPoolMuxBackend } from '../engine/mux/pool-backend.js';
import type { MuxBackend } from '../engine/mux/types.js';
import { WasmMuxer } from '../engine/mux/wasm-muxer.js';
import { keyframeBatches, readClipFrames, type ClipFrames } from '../test/mux/clip-frames.js';
import { makeClip } from '../test/util/media.js';

const { values } = parseArgs({
  options: {
    channels: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '2' },
    batch: { type: 'string', default: '10,100' },
  },
});
const channels = Number(values.channels);
const seconds = Number(values.seconds);
const batchSizes = values.batch.split(',').map(Number);
const MB = 1e6;

const payloadBytes = (clip: ClipFrames): number => clip.frames.reduce((n, f) => n + f.data.length, 0);

async function wasmOnly(clip: ClipFrames): Promise<void> {
  const muxer = await WasmMuxer.create();
  const config = encodeMuxConfig(clip.video, clip.audio);
  const cuts = keyframeBatches(clip.frames, clip.frames.length)[0]!.cuts;
  const input = muxer.input(batchByteLength(clip.frames, cuts, config));
  encodeBatch(input, clip.frames, cuts, config, new Uint8Array(STATE_BYTES));
  const payload = payloadBytes(clip);
  let output = 0;
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    output += muxer.mux().ts.length;
    runs++;
  }
  const s = (performance.now() - start) / 1000;
  console.log(JSON.stringify({
    bench: 'mux.wasm', frames: clip.frames.length, batchBytes: payload, runs,
    inputMBps: Math.round((payload * runs) / s / MB), outputMBps: Math.round(output / s / MB),
  }));
}

/** `channels` channels each mux the whole clip, batch after batch, for `seconds`; returns payload MB/s. */
async function endToEnd(backend: MuxBackend, clip: ClipFrames, batchFrames: number): Promise<{ MBps: number; batches: number; mainBusy: number }> {
  const batches = keyframeBatches(clip.frames, batchFrames);
  const sizes = batches.map((b) => b.frames.reduce((n, f) => n + f.data.length, 0));
  let bytes = 0;
  let count = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const elu = performance.eventLoopUtilization();
  await Promise.all(Array.from({ length: channels }, async () => {
    const muxer = backend.open();
    muxer.configure(clip.video, clip.audio);
    for (let i = 0; performance.now() < deadline; i = (i + 1) % batches.length) {
      const out = await muxer.mux(batches[i]!.frames, batches[i]!.cuts);
      out.release();
      bytes += sizes[i]!;
      count++;
    }
  }));
  const s = (performance.now() - start) / 1000;
  const mainBusy = Math.round(performance.eventLoopUtilization(elu).utilization * 100) / 100;
  return { MBps: Math.round(bytes / s / MB), batches: count, mainBusy };
}

const clip = await readClipFrames(await makeClip({ seconds: 10, videoBitrate: '4M' }));
await wasmOnly(clip);

const inline = await createInlineMuxBackend();
const threads = availableParallelism();
const pool = await createPoolMuxBackend({ threads });
await endToEnd(pool, clip, batchSizes[0]!); // warm-up: workers start and compile
for (const batchFrames of batchSizes) {
  const inlineRun = await endToEnd(inline, clip, batchFrames);
  const poolRun = await endToEnd(pool, clip, batchFrames);
  console.log(JSON.stringify({
    bench: 'mux.endToEnd', channels, batchFrames, threads,
    inlineMBps: inlineRun.MBps, poolMBps: poolRun.MBps,
    inlineBatches: inlineRun.batches, poolBatches: poolRun.batches,
    // Share of wall time the calling (socket) thread was busy: what the pool buys.
    inlineMainBusy: inlineRun.mainBusy, poolMainBusy: poolRun.mainBusy,
  }));
}
await inline.close();
await pool.close();
