import { BitReader, unescapeRbsp } from './bit-reader.js';
import { FlvError } from './flv-error.js';

export interface SpsInfo {
  readonly profile: number;
  readonly compatibility: number;
  readonly level: number;
  /** Displayed size: macroblock size minus the frame cropping. */
  readonly width: number;
  readonly height: number;
  /** From VUI timing (time_scale / 2 / num_units_in_tick), else undefined. */
  readonly frameRate: number | undefined;
}

/** Profiles whose SPS carries chroma format, bit depths and scaling matrices (H.264 7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Beyond this a VUI frame rate is taken as garbage rather than signalled. */
const MAX_FRAME_RATE = 1000;

/** Parses an H.264 sequence parameter set NAL unit (with its one-byte NAL header). */
export function parseSps(nal: Uint8Array): SpsInfo {
  if (nal.length < 4 || (nal[0]! & 0x1f) !== 7) throw new FlvError('not an SPS NAL unit');
  const r = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profile = r.u(8);
  const compatibility = r.u(8);
  const level = r.u(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormat = 1;
  let separateColourPlane = false;
  if (HIGH_PROFILES.has(profile)) {
    chromaFormat = r.ue();
    if (chromaFormat > 3) throw new FlvError(`SPS chroma_format_idc ${chromaFormat} out of range`);
    if (chromaFormat === 3) separateColourPlane = r.flag();
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.u(1); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      const lists = chromaFormat === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) if (r.flag()) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) {
    r.ue(); // log2_max_pic_order_cnt_lsb_minus4
  } else if (pocType === 1) {
    r.u(1); // delta_pic_order_always_zero_flag
    r.se(); // offset_for_non_ref_pic
    r.se(); // offset_for_top_to_bottom_field
    const cycle = r.ue();
    if (cycle > 255) throw new FlvError('SPS num_ref_frames_in_pic_order_cnt_cycle out of range');
    for (let i = 0; i < cycle; i++) r.se();
  } else if (pocType !== 2) {
    throw new FlvError(`SPS pic_order_cnt_type ${pocType} out of range`);
  }
  r.ue(); // max_num_ref_frames
  r.u(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.u(1); // mb_adaptive_frame_field_flag
  r.u(1); // direct_8x8_inference_flag
  let cropLeft = 0;
  let cropRight = 0;
  let cropTop = 0;
  let cropBottom = 0;
  if (r.flag()) {
    cropLeft = r.ue();
    cropRight = r.ue();
    cropTop = r.ue();
    cropBottom = r.ue();
  }
  // Crop units per H.264 table 6-1: chroma subsampling decides the horizontal/vertical step.
  const chromaArrayType = separateColourPlane ? 0 : chromaFormat;
  const cropUnitX = chromaArrayType === 0 ? 1 : chromaArrayType === 3 ? 1 : 2;
  const cropUnitY = (chromaArrayType === 1 ? 2 : 1) * (frameMbsOnly ? 1 : 2);
  const width = widthMbs * 16 - cropUnitX * (cropLeft + cropRight);
  const height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16 - cropUnitY * (cropTop + cropBottom);
  if (width <= 0 || height <= 0) throw new FlvError('SPS cropping leaves no picture');
  let frameRate: number | undefined;
  // The VUI is optional and comes last; a stream cut short inside it still has a usable size.
  try {
    if (r.flag()) frameRate = readVuiFrameRate(r);
  } catch (e) {
    if (!(e instanceof FlvError)) throw e;
  }
  return { profile, compatibility, level, width, height, frameRate };
}

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

function readVuiFrameRate(r: BitReader): number | undefined {
  if (r.flag()) {
    if (r.u(8) === 255) r.u(32); // extended SAR: sar_width, sar_height
  }
  if (r.flag()) r.u(1); // overscan_appropriate_flag
  if (r.flag()) {
    r.u(4); // video_format, video_full_range_flag
    if (r.flag()) r.u(24); // colour primaries, transfer, matrix
  }
  if (r.flag()) {
    r.ue();
    r.ue();
  }
  if (!r.flag()) return undefined;
  const unitsInTick = r.u(32);
  const timeScale = r.u(32);
  if (unitsInTick === 0 || timeScale === 0) return undefined;
  const rate = Math.round((timeScale / (2 * unitsInTick)) * 1000) / 1000;
  // Timing values that give no plausible frame rate are as good as absent.
  return rate > 0 && rate <= MAX_FRAME_RATE ? rate : undefined;
}
