// Batch layout shared with asm/layout.ts: keep the two files in step.
// One batch = header, channel state, codec config, Annex B parameter sets, frame table, cut table, payloads.

export const BATCH_MAGIC = 0x584d424c; // 'LBMX'

export const HDR_MAGIC = 0;
export const HDR_LENGTH = 4;
export const HDR_FRAME_COUNT = 8;
export const HDR_CUT_COUNT = 12;
export const HDR_TABLE_OFFSET = 16;
export const HDR_CUTS_OFFSET = 20;

/** Continuity counters, PMT version and PCR clock of a channel; opaque outside the muxer. */
export const STATE = 32;
export const STATE_BYTES = 32;

export const CONFIG = 64;
export const CONFIG_BYTES = 16;
export const CF_HAS_VIDEO = 0;
export const CF_NAL_LENGTH_SIZE = 1;
export const CF_HAS_AUDIO = 2;
export const CF_ADTS_PROFILE = 3;
export const CF_SAMPLING_INDEX = 4;
export const CF_CHANNEL_CONFIG = 5;
export const CF_PARAM_SETS_LENGTH = 8;

export const PARAM_SETS = 80;

export const FRAME_ENTRY_SIZE = 32;
export const FE_TRACK = 0;
export const FE_FLAGS = 1;
export const FE_SIZE = 4;
export const FE_OFFSET = 8;
export const FE_DTS_MS = 16;
export const FE_PTS_MS = 24;
export const TRACK_VIDEO = 0;
export const TRACK_AUDIO = 1;
export const FRAME_FLAG_KEY = 1;
export const FRAME_FLAG_DISCONTINUITY = 2;
