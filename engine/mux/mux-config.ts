import type { AacConfig, AvcConfig } from '../media/types.js';
import {
  CF_ADTS_PROFILE, CF_CHANNEL_CONFIG, CF_HAS_AUDIO, CF_HAS_VIDEO, CF_NAL_LENGTH_SIZE, CF_PARAM_SETS_LENGTH,
  CF_SAMPLING_INDEX, CONFIG_BYTES,
} from './batch-layout.js';

/** Codec config in the form the muxer reads it, computed once per `configure`. */
export interface MuxConfig {
  readonly fields: Uint8Array;
  /** SPS and PPS with Annex B start codes, inserted before every key frame. */
  readonly paramSets: Uint8Array;
}

const START_CODE = [0, 0, 0, 1];

export function encodeMuxConfig(video: AvcConfig | undefined, audio: AacConfig | undefined): MuxConfig {
  const fields = new Uint8Array(CONFIG_BYTES);
  let paramSets = new Uint8Array(0);
  if (video) {
    const units = [...video.sps, ...video.pps];
    paramSets = new Uint8Array(units.reduce((n, u) => n + START_CODE.length + u.length, 0));
    let at = 0;
    for (const unit of units) {
      paramSets.set(START_CODE, at);
      paramSets.set(unit, at + START_CODE.length);
      at += START_CODE.length + unit.length;
    }
    fields[CF_HAS_VIDEO] = 1;
    fields[CF_NAL_LENGTH_SIZE] = video.nalLengthSize;
  }
  if (audio) {
    fields[CF_HAS_AUDIO] = 1;
    fields[CF_ADTS_PROFILE] = adtsProfile(audio.objectType);
    fields[CF_SAMPLING_INDEX] = audio.samplingFrequencyIndex & 0x0f;
    fields[CF_CHANNEL_CONFIG] = audio.channelConfiguration & 0x07;
  }
  new DataView(fields.buffer).setUint32(CF_PARAM_SETS_LENGTH, paramSets.length, true);
  return { fields, paramSets };
}

/**
 * ADTS carries the profile in 2 bits (object type - 1). HE-AAC (SBR 5, PS 29) and anything else is sent
 * as AAC-LC, which is how HE-AAC is signalled implicitly in ADTS.
 */
function adtsProfile(objectType: number): number {
  return objectType >= 1 && objectType <= 4 ? objectType - 1 : 1;
}
