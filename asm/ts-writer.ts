// Writes 188-byte TS packets at a cursor in linear memory: PSI (PAT, PMT), PES packetization with
// adaptation-field stuffing, and PCR. Continuity counters and the PCR clock are module state,
// loaded from and saved to the channel state of each batch.

import { crc32 } from './crc32';
import {
  ST_CC_AUDIO, ST_CC_PAT, ST_CC_PMT, ST_CC_VIDEO, ST_FLAGS, ST_LAST_PCR, ST_PMT_VERSION,
  STATE_FLAG_DISCONTINUITY, STATE_FLAG_PCR_VALID,
} from './layout';

export const PID_PAT: u32 = 0;
export const PID_PMT: u32 = 0x1000;
export const PID_VIDEO: u32 = 0x100;
export const PID_AUDIO: u32 = 0x101;
const STREAM_TYPE_H264: u32 = 0x1b;
const STREAM_TYPE_ADTS: u32 = 0x0f;
const PACKET_SIZE: usize = 188;
const PAYLOAD_SIZE: usize = 184;
const TIMESTAMP_MASK: i64 = 0x1ffffffff;
/**
 * PTS/DTS run 700 ms ahead of the PCR (which is the frame's own DTS): the decoder buffering allowance of
 * the T-STD model, the same lead nginx-rtmp and ffmpeg use, so strict players never see late frames.
 */
const PTS_OFFSET: i64 = 63000;
/** Below the 100 ms PCR repetition bound, leaving room for one audio frame of jitter. */
const PCR_MAX_GAP: i64 = 8100;

let out: usize = 0;
let ccPat: u32 = 0;
let ccPmt: u32 = 0;
let ccVideo: u32 = 0;
let ccAudio: u32 = 0;
let pmtVersion: u32 = 0;
let pcrValid = false;
let lastPcr: i64 = 0;
let discontinuityPending = false;
let pcrPid: u32 = PID_VIDEO;

export function beginOutput(ptr: usize, pid: u32): void {
  out = ptr;
  pcrPid = pid;
}

export function cursor(): usize {
  return out;
}

export function writtenPmtVersion(): u32 {
  return pmtVersion;
}

export function loadState(s: usize): void {
  ccPat = load<u8>(s + ST_CC_PAT);
  ccPmt = load<u8>(s + ST_CC_PMT);
  ccVideo = load<u8>(s + ST_CC_VIDEO);
  ccAudio = load<u8>(s + ST_CC_AUDIO);
  pmtVersion = load<u8>(s + ST_PMT_VERSION);
  const flags = load<u8>(s + ST_FLAGS);
  pcrValid = (flags & STATE_FLAG_PCR_VALID) != 0;
  discontinuityPending = (flags & STATE_FLAG_DISCONTINUITY) != 0;
  lastPcr = load<i64>(s + ST_LAST_PCR);
}

export function saveState(s: usize): void {
  store<u8>(s + ST_CC_PAT, <u8>ccPat);
  store<u8>(s + ST_CC_PMT, <u8>ccPmt);
  store<u8>(s + ST_CC_VIDEO, <u8>ccVideo);
  store<u8>(s + ST_CC_AUDIO, <u8>ccAudio);
  store<u8>(s + ST_PMT_VERSION, <u8>pmtVersion);
  store<u8>(s + ST_FLAGS, (pcrValid ? STATE_FLAG_PCR_VALID : 0) | (discontinuityPending ? STATE_FLAG_DISCONTINUITY : 0));
  store<i64>(s + ST_LAST_PCR, lastPcr);
}

/** The timeline broke: the next PCR restarts the clock and carries the discontinuity indicator. */
export function markDiscontinuity(): void {
  pcrValid = false;
  discontinuityPending = true;
}

@inline function header(pid: u32, unitStart: bool, adaptation: u32, cc: u32): u32 {
  return 0x47 | ((unitStart ? 0x40 : 0) | (pid >> 8)) << 8 | (pid & 0xff) << 16 | (adaptation | cc) << 24;
}

@inline function writePcr(p: usize, pcr: i64): void {
  const base = pcr & TIMESTAMP_MASK;
  store<u8>(p, <u8>(base >> 25));
  store<u8>(p + 1, <u8>(base >> 17));
  store<u8>(p + 2, <u8>(base >> 9));
  store<u8>(p + 3, <u8>(base >> 1));
  store<u8>(p + 4, <u8>(((base & 1) << 7) | 0x7e));
  store<u8>(p + 5, 0);
}

@inline function writeTimestamp(p: usize, prefix: u32, value: i64): void {
  const t = (value + PTS_OFFSET) & TIMESTAMP_MASK;
  store<u8>(p, <u8>((prefix << 4) | (<u32>(t >> 29) & 0x0e) | 1));
  store<u8>(p + 1, <u8>(t >> 22));
  store<u8>(p + 2, <u8>((<u32>(t >> 14) & 0xfe) | 1));
  store<u8>(p + 3, <u8>(t >> 7));
  store<u8>(p + 4, <u8>((<u32>(t << 1) & 0xfe) | 1));
}

@inline function storeBe32(p: usize, v: u32): void {
  store<u32>(p, bswap<u32>(v));
}

/** One PSI section in one packet: `section` bytes were written at out + 5, CRC and stuffing follow. */
function finishPsi(pid: u32, cc: u32, sectionLength: usize): void {
  const p = out;
  store<u32>(p, header(pid, true, 0x10, cc));
  store<u8>(p + 4, 0);
  const crc = crc32(p + 5, sectionLength);
  storeBe32(p + 5 + sectionLength, crc);
  const used: usize = 5 + sectionLength + 4;
  memory.fill(p + used, 0xff, PACKET_SIZE - used);
  out = p + PACKET_SIZE;
}

/** PAT then PMT; the PMT version is the stream-set bitmask, so a changed stream set gets a new version. */
export function writePsi(hasVideo: bool, hasAudio: bool, version: u32): void {
  let s = out + 5;
  store<u8>(s, 0x00);
  store<u8>(s + 1, 0xb0);
  store<u8>(s + 2, 13);
  store<u8>(s + 3, 0);
  store<u8>(s + 4, 1);
  store<u8>(s + 5, 0xc1);
  store<u8>(s + 6, 0);
  store<u8>(s + 7, 0);
  store<u8>(s + 8, 0);
  store<u8>(s + 9, 1);
  store<u8>(s + 10, <u8>(0xe0 | (PID_PMT >> 8)));
  store<u8>(s + 11, <u8>(PID_PMT & 0xff));
  finishPsi(PID_PAT, ccPat, 12);
  ccPat = (ccPat + 1) & 15;

  s = out + 5;
  const streams: u32 = (hasVideo ? 1 : 0) + (hasAudio ? 1 : 0);
  const sectionLength: u32 = 13 + 5 * streams;
  store<u8>(s, 0x02);
  store<u8>(s + 1, <u8>(0xb0 | (sectionLength >> 8)));
  store<u8>(s + 2, <u8>(sectionLength & 0xff));
  store<u8>(s + 3, 0);
  store<u8>(s + 4, 1);
  store<u8>(s + 5, <u8>(0xc1 | ((version & 31) << 1)));
  store<u8>(s + 6, 0);
  store<u8>(s + 7, 0);
  store<u8>(s + 8, <u8>(0xe0 | (pcrPid >> 8)));
  store<u8>(s + 9, <u8>(pcrPid & 0xff));
  store<u8>(s + 10, 0xf0);
  store<u8>(s + 11, 0);
  let e = s + 12;
  if (hasVideo) {
    store<u8>(e, <u8>STREAM_TYPE_H264);
    store<u8>(e + 1, <u8>(0xe0 | (PID_VIDEO >> 8)));
    store<u8>(e + 2, <u8>(PID_VIDEO & 0xff));
    store<u8>(e + 3, 0xf0);
    store<u8>(e + 4, 0);
    e += 5;
  }
  if (hasAudio) {
    store<u8>(e, <u8>STREAM_TYPE_ADTS);
    store<u8>(e + 1, <u8>(0xe0 | (PID_AUDIO >> 8)));
    store<u8>(e + 2, <u8>(PID_AUDIO & 0xff));
    store<u8>(e + 3, 0xf0);
    store<u8>(e + 4, 0);
    e += 5;
  }
  finishPsi(PID_PMT, ccPmt, e - s);
  ccPmt = (ccPmt + 1) & 15;
  pmtVersion = version;
  pcrValid = false;
}

/** Writes the PES header right before `payload`; returns where the PES starts. */
export function pesHeader(payload: usize, payloadLength: usize, streamId: u32, pts: i64, dts: i64, withDts: bool): usize {
  const headerLength: usize = withDts ? 19 : 14;
  const h = payload - headerLength;
  store<u32>(h, 0x00010000 | (streamId << 24));
  const length = payloadLength + headerLength - 6;
  const field: u32 = length > 0xffff ? 0 : <u32>length;
  store<u8>(h + 4, <u8>(field >> 8));
  store<u8>(h + 5, <u8>field);
  store<u8>(h + 6, 0x84);
  store<u8>(h + 7, withDts ? 0xc0 : 0x80);
  store<u8>(h + 8, withDts ? 10 : 5);
  writeTimestamp(h + 9, withDts ? 3 : 2, pts);
  if (withDts) writeTimestamp(h + 14, 1, dts);
  return h;
}

/** An adaptation-field-only packet on the PCR PID: no payload, so it repeats the CC of the PID's last packet. */
function writePcrOnly(pcr: i64): void {
  const p = out;
  const next = pcrPid == PID_VIDEO ? ccVideo : ccAudio;
  store<u32>(p, header(pcrPid, false, 0x20, (next - 1) & 15));
  store<u8>(p + 4, 183);
  store<u8>(p + 5, discontinuityPending ? 0x90 : 0x10);
  writePcr(p + 6, pcr);
  memory.fill(p + 12, 0xff, PACKET_SIZE - 12);
  out = p + PACKET_SIZE;
  discontinuityPending = false;
  lastPcr = pcr;
  pcrValid = true;
}

/**
 * Splits one PES into packets. A PES on the PCR PID carries a PCR in its first packet; a PES on the other
 * PID is preceded by a PCR-only packet when the clock is stale. The last packet is padded with
 * adaptation-field stuffing so the PES ends exactly at a packet boundary.
 */
export function writePes(pid: u32, pes: usize, length: usize, dts: i64, randomAccess: bool): void {
  const pcr = pcrValid && lastPcr > dts ? lastPcr : dts;
  const withPcr = pid == pcrPid;
  if (!withPcr && (!pcrValid || dts - lastPcr > PCR_MAX_GAP)) writePcrOnly(pcr);
  let cc = pid == PID_VIDEO ? ccVideo : ccAudio;

  let flags: u32 = randomAccess ? 0x40 : 0;
  if (withPcr) {
    flags |= discontinuityPending ? 0x90 : 0x10;
    discontinuityPending = false;
    lastPcr = pcr;
    pcrValid = true;
  }
  const fieldMinimum: usize = flags == 0 ? 0 : withPcr ? 8 : 2;
  let src = pes;
  let remaining = length;
  let unitStart = true;
  while (remaining > 0) {
    const p = out;
    if (!unitStart && remaining >= PAYLOAD_SIZE) {
      store<u32>(p, header(pid, false, 0x10, cc));
      memory.copy(p + 4, src, PAYLOAD_SIZE);
      src += PAYLOAD_SIZE;
      remaining -= PAYLOAD_SIZE;
    } else {
      const minimum = unitStart ? fieldMinimum : 0;
      const room = PAYLOAD_SIZE - minimum;
      const payload = remaining < room ? remaining : room;
      const field = PAYLOAD_SIZE - payload;
      if (field == 0) {
        store<u32>(p, header(pid, unitStart, 0x10, cc));
      } else {
        store<u32>(p, header(pid, unitStart, 0x30, cc));
        store<u8>(p + 4, <u8>(field - 1));
        if (field > 1) {
          const f = unitStart ? flags : 0;
          store<u8>(p + 5, <u8>f);
          let q = p + 6;
          if (f & 0x10) {
            writePcr(q, pcr);
            q += 6;
          }
          memory.fill(q, 0xff, p + 4 + field - q);
        }
      }
      memory.copy(p + 4 + field, src, payload);
      src += payload;
      remaining -= payload;
      unitStart = false;
    }
    cc = (cc + 1) & 15;
    out = p + PACKET_SIZE;
  }
  if (pid == PID_VIDEO) ccVideo = cc;
  else ccAudio = cc;
}
