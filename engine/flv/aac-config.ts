import type { AacConfig } from '../media/types.js';
import { BitReader } from './bit-reader.js';
import { FlvError } from './flv-error.js';

const SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Object types that signal SBR/PS explicitly and are followed by the core object type (ISO 14496-3 1.6.2.1). */
const EXPLICIT_SBR = new Set([5, 29]);

/**
 * Parses an AudioSpecificConfig. With explicit SBR/PS signalling the core (AAC-LC) object type and the
 * core sampling frequency are reported, since those are what an ADTS header carries.
 */
export function parseAacConfig(asc: Uint8Array): AacConfig {
  if (asc.length < 2) throw new FlvError('AudioSpecificConfig shorter than 2 bytes');
  const r = new BitReader(asc);
  const objectType = () => {
    const t = r.u(5);
    return t === 31 ? 32 + r.u(6) : t;
  };
  const frequency = () => {
    const index = r.u(4);
    if (index === 15) return { index, rate: r.u(24) };
    const rate = SAMPLE_RATES[index];
    if (rate === undefined) throw new FlvError(`AAC sampling frequency index ${index} is reserved`);
    return { index, rate };
  };
  let type = objectType();
  const freq = frequency();
  const channelConfiguration = r.u(4);
  if (EXPLICIT_SBR.has(type)) {
    frequency();
    type = objectType();
  }
  if (type === 0) throw new FlvError('AAC object type 0 is invalid');
  if (freq.rate === 0) throw new FlvError('AAC explicit sampling rate 0');
  return {
    codec: 'aac',
    asc,
    objectType: type,
    samplingFrequencyIndex: freq.index,
    sampleRate: freq.rate,
    channelConfiguration,
    // Configuration 0 defers to a program config element we do not parse; 7 means 7.1.
    channels: channelConfiguration === 7 ? 8 : channelConfiguration <= 6 ? channelConfiguration : 0,
  };
}
