// Batch layout shared with engine/mux/batch-layout.ts: keep the two files in step.
// Little-endian; offsets are from the batch start.

export const BATCH_MAGIC: u32 = 0x584d424c; // 'LBMX'

export const HDR_MAGIC: usize = 0;
export const HDR_LENGTH: usize = 4;
export const HDR_FRAME_COUNT: usize = 8;
export const HDR_CUT_COUNT: usize = 12;
export const HDR_TABLE_OFFSET: usize = 16;
export const HDR_CUTS_OFFSET: usize = 20;

// Channel state: read at the start of a batch, written back at its end, so any instance can take the next batch.
export const STATE: usize = 32;
export const ST_CC_PAT: usize = 0;
export const ST_CC_PMT: usize = 1;
export const ST_CC_VIDEO: usize = 2;
export const ST_CC_AUDIO: usize = 3;
/** Stream-set bitmask of the last PMT written (0 = none yet); doubles as the PMT version. */
export const ST_PMT_VERSION: usize = 4;
export const ST_FLAGS: usize = 5;
export const ST_LAST_PCR: usize = 8;
export const STATE_FLAG_PCR_VALID: u8 = 1;
export const STATE_FLAG_DISCONTINUITY: u8 = 2;

export const CONFIG: usize = 64;
export const CF_HAS_VIDEO: usize = 0;
export const CF_NAL_LENGTH_SIZE: usize = 1;
export const CF_HAS_AUDIO: usize = 2;
export const CF_ADTS_PROFILE: usize = 3;
export const CF_SAMPLING_INDEX: usize = 4;
export const CF_CHANNEL_CONFIG: usize = 5;
export const CF_PARAM_SETS_LENGTH: usize = 8;

/** SPS and PPS of the AvcConfig, already in Annex B form. */
export const PARAM_SETS: usize = 80;

export const FRAME_ENTRY_SIZE: usize = 32;
export const FE_TRACK: usize = 0;
export const FE_FLAGS: usize = 1;
export const FE_SIZE: usize = 4;
export const FE_OFFSET: usize = 8;
export const FE_DTS_MS: usize = 16;
export const FE_PTS_MS: usize = 24;
export const TRACK_VIDEO: u8 = 0;
export const FRAME_FLAG_KEY: u8 = 1;
export const FRAME_FLAG_DISCONTINUITY: u8 = 2;
