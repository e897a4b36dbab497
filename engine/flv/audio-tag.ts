import { FlvError } from './flv-error.js';

/** Filled in place by readAudioTagHeader, so parsing a frame allocates nothing. */
export interface AudioTagHeader {
  /** AAC: legacy sound format 10 or enhanced FourCC 'mp4a'. */
  aac: boolean;
  /** Codec name as GetLiveChannelStat reports it (e.g. 'AAC', 'MP3', 'ADPCM'). */
  codecName: string;
  kind: 'sequence-header' | 'frame' | 'other';
  /** Offset of the payload (AudioSpecificConfig or raw AAC frame) inside the tag body. */
  dataOffset: number;
}

export function newAudioTagHeader(): AudioTagHeader {
  return { aac: false, codecName: '', kind: 'other', dataOffset: 0 };
}

const SOUND_FORMATS: Record<number, string> = {
  0: 'PCM',
  1: 'ADPCM',
  2: 'MP3',
  3: 'PCM',
  4: 'Nellymoser',
  5: 'Nellymoser',
  6: 'Nellymoser',
  7: 'G711A',
  8: 'G711U',
  10: 'AAC',
  11: 'Speex',
  14: 'MP3',
  15: 'Device',
};

const FOURCC_CODECS: Record<string, string> = {
  mp4a: 'AAC',
  '.mp3': 'MP3',
  Opus: 'Opus',
  fLaC: 'FLAC',
  'ac-3': 'AC3',
  'ec-3': 'EAC3',
};

/** Enhanced RTMP audio (sound format 9, "ExHeader"). */
const EX_HEADER = 9;
const EX_SEQUENCE_START = 0;
const EX_CODED_FRAMES = 1;

/** Parses the FLV audio tag header (legacy or enhanced) of `body` into `out`. */
export function readAudioTagHeader(body: Uint8Array, out: AudioTagHeader): void {
  if (body.length < 1) throw new FlvError('empty audio tag');
  const format = body[0]! >> 4;
  out.kind = 'other';
  if (format === EX_HEADER) {
    const packetType = body[0]! & 0x0f;
    if (body.length < 5) throw new FlvError('enhanced audio tag shorter than 5 bytes');
    const fourcc = String.fromCharCode(body[1]!, body[2]!, body[3]!, body[4]!);
    out.codecName = FOURCC_CODECS[fourcc] ?? `FourCC '${fourcc.replace(/[^\x20-\x7e]/g, '?')}'`;
    out.aac = fourcc === 'mp4a';
    out.dataOffset = 5;
    if (packetType === EX_SEQUENCE_START) out.kind = 'sequence-header';
    else if (packetType === EX_CODED_FRAMES) out.kind = 'frame';
    return;
  }
  out.codecName = SOUND_FORMATS[format] ?? `FLV sound format ${format}`;
  out.aac = format === 10;
  out.dataOffset = 1;
  if (!out.aac) {
    out.kind = 'frame';
    return;
  }
  if (body.length < 2) throw new FlvError('AAC audio tag shorter than 2 bytes');
  out.kind = body[1] === 0 ? 'sequence-header' : body[1] === 1 ? 'frame' : 'other';
  out.dataOffset = 2;
}
