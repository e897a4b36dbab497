import type { AvcConfig } from '../media/types.js';
import { FlvError } from './flv-error.js';
import { parseSps } from './sps.js';

/** Parses an AVCDecoderConfigurationRecord (ISO 14496-15 5.2.4.1) and its first SPS. */
export function parseAvcConfig(record: Uint8Array): AvcConfig {
  if (record.length < 7) throw new FlvError('AVCDecoderConfigurationRecord shorter than 7 bytes');
  if (record[0] !== 1) throw new FlvError(`AVCDecoderConfigurationRecord version ${record[0]} is not 1`);
  const lengthSize = (record[4]! & 3) + 1;
  if (lengthSize === 3) throw new FlvError('NAL length size 3 is not allowed');
  let pos = 6;
  const sps: Uint8Array[] = [];
  const pps: Uint8Array[] = [];
  const readSets = (count: number, into: Uint8Array[]) => {
    for (let i = 0; i < count; i++) {
      if (pos + 2 > record.length) throw new FlvError('parameter set length past end of record');
      const len = (record[pos]! << 8) | record[pos + 1]!;
      pos += 2;
      if (pos + len > record.length) throw new FlvError('parameter set past end of record');
      into.push(record.subarray(pos, pos + len));
      pos += len;
    }
  };
  readSets(record[5]! & 0x1f, sps);
  if (pos >= record.length) throw new FlvError('record ends before its PPS count');
  readSets(record[pos++]!, pps);
  if (sps.length === 0) throw new FlvError('AVCDecoderConfigurationRecord carries no SPS');
  const info = parseSps(sps[0]!);
  return {
    codec: 'avc',
    record,
    profile: record[1]!,
    compatibility: record[2]!,
    level: record[3]!,
    nalLengthSize: lengthSize as 1 | 2 | 4,
    sps,
    pps,
    width: info.width,
    height: info.height,
    frameRate: info.frameRate,
  };
}
