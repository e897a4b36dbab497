const WRAP = 2 ** 32;
const HALF = 2 ** 31;

/** Default jump size (ms) beyond which a forward timestamp step is a discontinuity rather than a gap. */
export const DEFAULT_JUMP_THRESHOLD_MS = 5000;
/** A step backwards by more than this (ms) is a discontinuity; smaller ones are jitter. */
const BACKWARD_TOLERANCE_MS = 500;

/**
 * One track's timeline: RTMP's 32-bit millisecond timestamps -> unwrapped, strictly increasing ms.
 *
 * Timestamps are kept as sent (no re-derivation from PTS or sample counts) while they advance. A wrap
 * of the 32-bit counter continues the timeline. A frame whose timestamp does not advance (repeated, or
 * back by up to 500 ms) is placed one frame duration after the previous DTS and the track's base moves
 * with it, so frames stay a frame apart (decoders and muxers need that, not just any increase). A jump
 * forwards by more than the threshold, or backwards by more than 500 ms, is rebased the same way and
 * the frame is flagged as a discontinuity (one flag per jump; later frames follow the new base).
 */
export class TrackTimeline {
  private lastRaw = -1;
  /** The raw timestamps with 32-bit wraps undone. */
  private unwrapped = 0;
  /** Added to `unwrapped`; changes when a frame is rebased. */
  private offset = 0;
  private lastDts = 0;
  /** Last positive DTS step, used as the frame duration when rebasing across a jump. */
  private step = 0;
  /** Set by map(): whether the frame just mapped follows a jump. */
  discontinuity = false;

  constructor(private readonly jumpThresholdMs = DEFAULT_JUMP_THRESHOLD_MS) {}

  /** Maps a raw 32-bit RTMP timestamp to this track's DTS; sets `discontinuity`. */
  map(raw: number): number {
    this.discontinuity = false;
    if (this.lastRaw < 0) {
      this.lastRaw = raw;
      this.unwrapped = raw;
      this.lastDts = raw;
      return raw;
    }
    let delta = (raw - this.lastRaw + WRAP) % WRAP;
    if (delta >= HALF) delta -= WRAP;
    this.lastRaw = raw;
    this.unwrapped += delta;
    const dts = this.unwrapped + this.offset;
    const jump = dts - this.lastDts;
    if (jump > this.jumpThresholdMs || jump <= 0) {
      this.discontinuity = jump > 0 || jump < -Math.min(BACKWARD_TOLERANCE_MS, this.jumpThresholdMs);
      const next = this.lastDts + Math.max(1, this.step);
      this.offset += next - dts;
      this.lastDts = next;
      return next;
    }
    this.step = jump;
    this.lastDts = dts;
    return dts;
  }
}
