import type { MediaFrame } from '../media/types.js';
import {
  BATCH_MAGIC, CONFIG, FE_DTS_MS, FE_FLAGS, FE_OFFSET, FE_PTS_MS, FE_SIZE, FE_TRACK, FRAME_ENTRY_SIZE,
  FRAME_FLAG_DISCONTINUITY, FRAME_FLAG_KEY, HDR_CUT_COUNT, HDR_CUTS_OFFSET, HDR_FRAME_COUNT, HDR_LENGTH, HDR_MAGIC,
  HDR_TABLE_OFFSET, PARAM_SETS, STATE, TRACK_AUDIO, TRACK_VIDEO,
} from './batch-layout.js';
import type { MuxConfig } from './mux-config.js';
import { copyBytes } from '../shared-copy.js';

const align8 = (n: number): number => (n + 7) & ~7;

function tableOffset(config: MuxConfig): number {
  return align8(PARAM_SETS + config.paramSets.length);
}

function payloadOffset(frames: readonly MediaFrame[], cuts: readonly number[], config: MuxConfig): number {
  return align8(tableOffset(config) + frames.length * FRAME_ENTRY_SIZE + cuts.length * 4);
}

export function batchByteLength(frames: readonly MediaFrame[], cuts: readonly number[], config: MuxConfig): number {
  let n = payloadOffset(frames, cuts, config);
  for (const frame of frames) n += frame.data.length;
  return n;
}

/** Writes one batch into `target` (exactly batchByteLength bytes): one copy of each payload, no per-frame objects. */
export function encodeBatch(
  target: Uint8Array, frames: readonly MediaFrame[], cuts: readonly number[], config: MuxConfig, state: Uint8Array,
): void {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  const table = tableOffset(config);
  const cutTable = table + frames.length * FRAME_ENTRY_SIZE;
  view.setUint32(HDR_MAGIC, BATCH_MAGIC, true);
  view.setUint32(HDR_LENGTH, target.byteLength, true);
  view.setUint32(HDR_FRAME_COUNT, frames.length, true);
  view.setUint32(HDR_CUT_COUNT, cuts.length, true);
  view.setUint32(HDR_TABLE_OFFSET, table, true);
  view.setUint32(HDR_CUTS_OFFSET, cutTable, true);
  target.set(state, STATE);
  target.set(config.fields, CONFIG);
  target.set(config.paramSets, PARAM_SETS);
  let at = payloadOffset(frames, cuts, config);
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i]!;
    const e = table + i * FRAME_ENTRY_SIZE;
    view.setUint8(e + FE_TRACK, frame.track === 'video' ? TRACK_VIDEO : TRACK_AUDIO);
    view.setUint8(e + FE_FLAGS, (frame.keyframe ? FRAME_FLAG_KEY : 0) | (frame.discontinuity ? FRAME_FLAG_DISCONTINUITY : 0));
    view.setUint32(e + FE_SIZE, frame.data.length, true);
    view.setUint32(e + FE_OFFSET, at, true);
    view.setFloat64(e + FE_DTS_MS, frame.dts, true);
    view.setFloat64(e + FE_PTS_MS, frame.pts, true);
    copyBytes(target, at, frame.data);
    at += frame.data.length;
  }
  for (let k = 0; k < cuts.length; k++) view.setUint32(cutTable + k * 4, cuts[k]!, true);
}
