// MPEG-TS muxer entry points. The host writes one batch (see layout.ts) at inputPtr(), calls mux(), and
// reads the TS bytes at outputPtr() and the part boundaries at partsPtr(). Memory above the batch is
// scratch that mux() grows as needed; nothing is allocated per packet.

import { ADTS_HEADER_SIZE, writeAdtsHeader } from './adts';
import { accessUnitBound, writeAccessUnit } from './annexb';
import {
  BATCH_MAGIC, CF_ADTS_PROFILE, CF_CHANNEL_CONFIG, CF_HAS_AUDIO, CF_HAS_VIDEO, CF_NAL_LENGTH_SIZE,
  CF_PARAM_SETS_LENGTH, CF_SAMPLING_INDEX, CONFIG, FE_DTS_MS, FE_FLAGS, FE_OFFSET, FE_PTS_MS, FE_SIZE, FE_TRACK,
  FRAME_ENTRY_SIZE, FRAME_FLAG_DISCONTINUITY, FRAME_FLAG_KEY, HDR_CUT_COUNT, HDR_CUTS_OFFSET, HDR_FRAME_COUNT,
  HDR_LENGTH, HDR_MAGIC, HDR_TABLE_OFFSET, PARAM_SETS, STATE, TRACK_VIDEO,
} from './layout';
import {
  PID_AUDIO, PID_VIDEO, beginOutput, cursor, loadState, markDiscontinuity, pesHeader, saveState, writePes,
  writePsi, writtenPmtVersion,
} from './ts-writer';

const PACKET_SIZE: usize = 188;
const PES_HEADER_MAX: usize = 19;
const STREAM_ID_VIDEO: u32 = 0xe0;
const STREAM_ID_AUDIO: u32 = 0xc0;
/**
 * Consecutive AAC frames share a PES while they start within 60 ms of its first frame (and never across
 * a batch, a cut or a discontinuity): with frames of up to ~43 ms the PCR gap of an audio-only stream
 * stays under 100 ms, and audio trails the video in the stream by at most that much.
 */
const AUDIO_PES_WINDOW: i64 = 5400;
const AUDIO_PES_MAX_BYTES: usize = 8192;

let inputBase: usize = 0;
let partsStart: usize = 0;
let tsStart: usize = 0;
let audioScratch: usize = 0;
let audioBytes: usize = 0;
let audioFirstDts: i64 = 0;
let audioRandomAccess = false;
let adtsProfile: u32 = 0;
let samplingIndex: u32 = 0;
let channelConfig: u32 = 0;

@inline function align16(x: usize): usize {
  return (x + 15) & ~(<usize>15);
}

function ensureMemory(end: usize): void {
  const size = <usize>memory.size() << 16;
  if (end <= size) return;
  if (memory.grow(<i32>((end - size + 0xffff) >>> 16)) < 0) unreachable();
}

/** Where the host writes a batch of `length` bytes. */
export function inputPtr(length: u32): usize {
  inputBase = align16(__heap_base);
  ensureMemory(inputBase + length);
  return inputBase;
}

export function outputPtr(): usize {
  return tsStart;
}

/** u32 end offsets (from outputPtr) of each part: one more than the batch has cuts. */
export function partsPtr(): usize {
  return partsStart;
}

function flushAudio(): void {
  if (audioBytes == 0) return;
  const payload = audioScratch + PES_HEADER_MAX;
  const pes = pesHeader(payload, audioBytes, STREAM_ID_AUDIO, audioFirstDts, audioFirstDts, false);
  writePes(PID_AUDIO, pes, payload + audioBytes - pes, audioFirstDts, audioRandomAccess);
  audioBytes = 0;
}

/** Muxes the batch at inputPtr(); updates its channel state in place; returns the TS byte count. */
export function mux(): u32 {
  const b = inputBase;
  if (load<u32>(b + HDR_MAGIC) != BATCH_MAGIC) unreachable();
  const length = <usize>load<u32>(b + HDR_LENGTH);
  const frames = <usize>load<u32>(b + HDR_FRAME_COUNT);
  const cutCount = <usize>load<u32>(b + HDR_CUT_COUNT);
  const table = b + <usize>load<u32>(b + HDR_TABLE_OFFSET);
  const cuts = b + <usize>load<u32>(b + HDR_CUTS_OFFSET);
  const config = b + CONFIG;
  const hasVideo = load<u8>(config + CF_HAS_VIDEO) != 0;
  const hasAudio = load<u8>(config + CF_HAS_AUDIO) != 0;
  const nalLengthSize = <u32>load<u8>(config + CF_NAL_LENGTH_SIZE);
  const paramSetsLength = <usize>load<u32>(config + CF_PARAM_SETS_LENGTH);
  const paramSets = b + PARAM_SETS;
  adtsProfile = load<u8>(config + CF_ADTS_PROFILE);
  samplingIndex = load<u8>(config + CF_SAMPLING_INDEX);
  channelConfig = load<u8>(config + CF_CHANNEL_CONFIG);

  // Worst case per frame: its own PES, one packet more for a short first payload, one PCR-only packet.
  let bound: usize = (cutCount + 1) * 2 * PACKET_SIZE;
  let maxAccessUnit: usize = 0;
  let maxAdtsFrame: usize = 0;
  for (let i: usize = 0; i < frames; i++) {
    const e = table + i * FRAME_ENTRY_SIZE;
    const size = <usize>load<u32>(e + FE_SIZE);
    let pes: usize = 0;
    if (load<u8>(e + FE_TRACK) == TRACK_VIDEO) {
      if (!hasVideo) continue;
      const unit = accessUnitBound(size, nalLengthSize, paramSetsLength);
      if (unit > maxAccessUnit) maxAccessUnit = unit;
      pes = unit + PES_HEADER_MAX;
    } else {
      if (!hasAudio) continue;
      if (size + ADTS_HEADER_SIZE > maxAdtsFrame) maxAdtsFrame = size + ADTS_HEADER_SIZE;
      pes = size + ADTS_HEADER_SIZE + PES_HEADER_MAX;
    }
    bound += ((pes + 8) / 184 + 3) * PACKET_SIZE;
  }
  partsStart = align16(b + length);
  tsStart = align16(partsStart + (cutCount + 1) * 4);
  audioScratch = align16(tsStart + bound);
  const audioCapacity = (maxAdtsFrame > AUDIO_PES_MAX_BYTES ? maxAdtsFrame : AUDIO_PES_MAX_BYTES) + PES_HEADER_MAX;
  const videoScratch = align16(audioScratch + audioCapacity);
  ensureMemory(videoScratch + PES_HEADER_MAX + maxAccessUnit);

  loadState(b + STATE);
  beginOutput(tsStart, hasVideo ? PID_VIDEO : PID_AUDIO);
  audioRandomAccess = !hasVideo;
  audioBytes = 0;
  const version: u32 = (hasVideo ? 1 : 0) | (hasAudio ? 2 : 0);
  let cut: usize = 0;
  let part: usize = 0;
  for (let i: usize = 0; i < frames; i++) {
    while (cut < cutCount && <usize>load<u32>(cuts + cut * 4) <= i) {
      flushAudio();
      store<u32>(partsStart + part * 4, <u32>(cursor() - tsStart));
      part++;
      cut++;
      writePsi(hasVideo, hasAudio, version);
    }
    if (version != 0 && writtenPmtVersion() != version) writePsi(hasVideo, hasAudio, version);

    const e = table + i * FRAME_ENTRY_SIZE;
    const flags = load<u8>(e + FE_FLAGS);
    const size = <usize>load<u32>(e + FE_SIZE);
    const data = b + <usize>load<u32>(e + FE_OFFSET);
    const dts = <i64>(load<f64>(e + FE_DTS_MS) * 90.0);
    if (flags & FRAME_FLAG_DISCONTINUITY) {
      flushAudio();
      markDiscontinuity();
    }
    if (load<u8>(e + FE_TRACK) == TRACK_VIDEO) {
      if (!hasVideo) continue;
      const pts = <i64>(load<f64>(e + FE_PTS_MS) * 90.0);
      const key = (flags & FRAME_FLAG_KEY) != 0;
      const payload = videoScratch + PES_HEADER_MAX;
      const unit = writeAccessUnit(payload, data, size, nalLengthSize, key, paramSets, paramSetsLength);
      const pes = pesHeader(payload, unit, STREAM_ID_VIDEO, pts, dts, pts != dts);
      writePes(PID_VIDEO, pes, payload + unit - pes, dts, key);
    } else {
      if (!hasAudio) continue;
      if (audioBytes > 0 && (dts - audioFirstDts >= AUDIO_PES_WINDOW || audioBytes + ADTS_HEADER_SIZE + size > AUDIO_PES_MAX_BYTES)) {
        flushAudio();
      }
      if (audioBytes == 0) audioFirstDts = dts;
      const w = audioScratch + PES_HEADER_MAX + audioBytes;
      writeAdtsHeader(w, adtsProfile, samplingIndex, channelConfig, <u32>(size + ADTS_HEADER_SIZE));
      memory.copy(w + ADTS_HEADER_SIZE, data, size);
      audioBytes += size + ADTS_HEADER_SIZE;
    }
  }
  flushAudio();
  // Cuts at the batch end open a segment whose frames come with the next batch.
  while (cut < cutCount) {
    store<u32>(partsStart + part * 4, <u32>(cursor() - tsStart));
    part++;
    cut++;
    writePsi(hasVideo, hasAudio, version);
  }
  store<u32>(partsStart + part * 4, <u32>(cursor() - tsStart));
  saveState(b + STATE);
  return <u32>(cursor() - tsStart);
}
