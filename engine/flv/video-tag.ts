import { FlvError } from './flv-error.js';

/** What the video tag carries, independent of legacy or enhanced-RTMP (FourCC) signalling. */
export type VideoPacketKind = 'sequence-header' | 'frame' | 'end-of-sequence' | 'other';

/** Filled in place by readVideoTagHeader, so parsing a frame allocates nothing. */
export interface VideoTagHeader {
  /** FLV frame type: 1 key, 2 inter, 3 disposable, 4 generated key, 5 command. */
  frameType: number;
  /** H.264, legacy codec id 7 or enhanced FourCC 'avc1'. Meaningless when kind is 'other'. */
  avc: boolean;
  /** Human-readable codec, for refusal messages and logs. */
  codecName: string;
  kind: VideoPacketKind;
  /** ms, signed; 0 when the packet carries none. */
  compositionTime: number;
  /** Offset of the payload (AVC record or AVCC NAL units) inside the tag body. */
  dataOffset: number;
}

export function newVideoTagHeader(): VideoTagHeader {
  return { frameType: 0, avc: false, codecName: '', kind: 'other', compositionTime: 0, dataOffset: 0 };
}

const LEGACY_CODECS: Record<number, string> = {
  1: 'JPEG',
  2: 'Sorenson H.263',
  3: 'Screen video',
  4: 'On2 VP6',
  5: 'On2 VP6 with alpha',
  6: 'Screen video v2',
  7: 'H.264',
  12: 'HEVC',
  13: 'AV1',
};

const FOURCC_CODECS: Record<string, string> = {
  avc1: 'H.264',
  hvc1: 'HEVC',
  av01: 'AV1',
  vp08: 'VP8',
  vp09: 'VP9',
};

/** Enhanced RTMP packet types (veovera enhanced-rtmp v2). */
const EX_SEQUENCE_START = 0;
const EX_CODED_FRAMES = 1;
const EX_SEQUENCE_END = 2;
const EX_CODED_FRAMES_X = 3;
const EX_MULTITRACK = 6;
const EX_MOD_EX = 7;

/** Parses the FLV video tag header (legacy or enhanced) of `body` into `out`. */
export function readVideoTagHeader(body: Uint8Array, out: VideoTagHeader): void {
  if (body.length < 1) throw new FlvError('empty video tag');
  const b0 = body[0]!;
  out.compositionTime = 0;
  if (b0 & 0x80) {
    readEnhanced(body, b0, out);
    return;
  }
  out.frameType = b0 >> 4;
  const codecId = b0 & 0x0f;
  out.codecName = LEGACY_CODECS[codecId] ?? `FLV codec id ${codecId}`;
  out.avc = codecId === 7;
  out.dataOffset = 1;
  if (out.frameType === 5) {
    out.kind = 'other';
    return;
  }
  if (!out.avc) {
    out.kind = 'frame';
    return;
  }
  if (body.length < 5) throw new FlvError('AVC video tag shorter than 5 bytes');
  const packetType = body[1]!;
  out.kind = packetType === 0 ? 'sequence-header' : packetType === 1 ? 'frame' : packetType === 2 ? 'end-of-sequence' : 'other';
  out.compositionTime = si24(body, 2);
  out.dataOffset = 5;
}

function readEnhanced(body: Uint8Array, b0: number, out: VideoTagHeader): void {
  out.frameType = (b0 >> 4) & 7;
  const packetType = b0 & 0x0f;
  out.kind = 'other';
  out.avc = false;
  // Multitrack and ModEx packets wrap the FourCC in further headers; we do not mux them, so name them
  // and let the caller skip the tag instead of misreading their bytes as media.
  if (packetType === EX_MULTITRACK || packetType === EX_MOD_EX) {
    out.codecName = packetType === EX_MULTITRACK ? 'enhanced RTMP multitrack' : 'enhanced RTMP ModEx';
    out.dataOffset = body.length;
    return;
  }
  if (body.length < 5) throw new FlvError('enhanced video tag shorter than 5 bytes');
  const fourcc = String.fromCharCode(body[1]!, body[2]!, body[3]!, body[4]!);
  out.codecName = FOURCC_CODECS[fourcc] ?? `FourCC '${fourcc.replace(/[^\x20-\x7e]/g, '?')}'`;
  out.avc = fourcc === 'avc1';
  out.dataOffset = 5;
  if (out.frameType === 5) return;
  if (packetType === EX_SEQUENCE_START) out.kind = 'sequence-header';
  else if (packetType === EX_SEQUENCE_END) out.kind = 'end-of-sequence';
  else if (packetType === EX_CODED_FRAMES_X) out.kind = 'frame';
  else if (packetType === EX_CODED_FRAMES) {
    out.kind = 'frame';
    // Only AVC and HEVC coded frames carry a composition time in enhanced RTMP.
    if (fourcc === 'avc1' || fourcc === 'hvc1') {
      if (body.length < 8) throw new FlvError('enhanced coded frame shorter than 8 bytes');
      out.compositionTime = si24(body, 5);
      out.dataOffset = 8;
    }
  }
}

function si24(b: Uint8Array, at: number): number {
  const v = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
  return v & 0x800000 ? v - 0x1000000 : v;
}
