import type { MediaFrame } from '../media/types.js';

/**
 * The OSS forced-cut bound: a segment that found no keyframe within max(2 x FragDuration, 60 s) is cut
 * anyway. It is also the longest a segment can get, which fixes EXT-X-TARGETDURATION.
 */
export function forcedCutBoundMs(fragDurationMs: number): number {
  return Math.max(2 * fragDurationMs, 60_000);
}

/**
 * EXT-X-TARGETDURATION of a publish, fixed once its first segment closed: a second above that segment (and
 * above FragDuration), so regular keyframe cuts of a steady encoder never reach it, yet small enough that a
 * player's "playlist unchanged, wait half the target duration" rule (RFC 8216 6.3.4) costs it little.
 * Never above the forced-cut bound, which already caps every segment.
 */
export function targetDurationFor(fragDurationMs: number, firstSegmentMs: number): number {
  const wanted = Math.max(Math.ceil(fragDurationMs / 1000), Math.ceil(firstSegmentMs / 1000)) + 1;
  return Math.min(wanted, Math.ceil(forcedCutBoundMs(fragDurationMs) / 1000));
}

/** Where a new segment begins inside the batch passed to `Segmenter.push`. */
export interface SegmentCut {
  /** Index in the batch of the new segment's first frame. */
  readonly index: number;
  /** Media duration of the segment this cut ends, ms; undefined when no segment was open. */
  readonly closedDurationMs: number | undefined;
  /** The new segment follows a timeline break (EXT-X-DISCONTINUITY). */
  readonly discontinuity: boolean;
  /** Cut at the forced bound rather than at a keyframe: the new segment may not start with an IDR. */
  readonly forced: boolean;
}

const DEFAULT_VIDEO_FRAME_MS = 1000 / 30;
const DEFAULT_AUDIO_FRAME_MS = (1024 * 1000) / 44100;

/**
 * Decides where segments begin, on media time only (bursty pushes must give the same cuts as real-time
 * ones). A stream with video is cut only at a keyframe once the segment holds FragDuration (minus half a
 * frame, so a GOP of exactly FragDuration is not pushed to the next keyframe), or at the forced bound;
 * an audio-only stream is cut on any audio frame at FragDuration. A frame flagged as a discontinuity
 * begins a segment (once per break, however many tracks carry the flag).
 *
 * Once the first segment closed, the publish's target duration is fixed (targetDurationFor) and the forced
 * cut also fires before a segment could round above it: every EXTINF stays within EXT-X-TARGETDURATION as
 * RFC 8216 requires, even if the encoder's keyframes later come further apart.
 */
export class Segmenter {
  /** Held media at which a segment is cut even without a keyframe. */
  private forcedBoundMs: number;
  private targetS: number | undefined;
  private hasAudio = false;
  private hasVideo = false;
  private videoFrameMs = DEFAULT_VIDEO_FRAME_MS;
  private audioFrameMs = DEFAULT_AUDIO_FRAME_MS;
  private videoFrameMsFixed = false;
  /** DTS of the first video frame of the span the frame rate is measured over, and steps since. */
  private videoSpanStart = 0;
  private videoSpanSteps = -1;
  private open = false;
  private segmentStartDts = 0;
  /** End of the open segment on its timeline track: last frame DTS plus one frame. */
  private segmentEndDts = 0;
  private videoInSegment = false;
  private audioInSegment = false;

  constructor(private readonly fragDurationMs: number) {
    this.forcedBoundMs = forcedCutBoundMs(fragDurationMs);
  }

  /**
   * Which tracks exist and their nominal frame durations (from SPS VUI / AAC sample rate). Without a
   * signalled frame rate the video frame duration is learned from DTS steps.
   */
  configure(hasVideo: boolean, videoFrameRate: number | undefined, audioSampleRate: number | undefined): void {
    this.hasVideo = hasVideo;
    this.hasAudio = audioSampleRate !== undefined;
    this.videoFrameMsFixed = videoFrameRate !== undefined && videoFrameRate > 0;
    if (this.videoFrameMsFixed) this.videoFrameMs = 1000 / videoFrameRate!;
    if (audioSampleRate) this.audioFrameMs = (1024 * 1000) / audioSampleRate;
  }

  /** Cuts in `frames` (ascending indices). */
  push(frames: readonly MediaFrame[]): SegmentCut[] {
    const cuts: SegmentCut[] = [];
    for (let i = 0; i < frames.length; i++) {
      const frame = frames[i]!;
      const isVideo = frame.track === 'video';
      if (isVideo) this.learnVideoFrameDuration(frame);
      if (!this.open) {
        this.begin(cuts, i, frame, undefined, false);
      } else if (frame.discontinuity && this.seenInSegment(frame.track)) {
        this.begin(cuts, i, frame, this.segmentEndDts - this.segmentStartDts, false);
      } else {
        const held = frame.dts - this.segmentStartDts;
        const timelineFrame = this.hasVideo ? isVideo : frame.track === 'audio';
        const halfFrame = (this.hasVideo ? this.videoFrameMs : this.audioFrameMs) / 2;
        const regular = timelineFrame && (frame.keyframe || !this.hasVideo) && held >= this.fragDurationMs - halfFrame;
        if (regular) this.begin(cuts, i, frame, held, false);
        else if (held >= this.forcedBoundMs) this.begin(cuts, i, frame, held, true);
      }
      this.extend(frame);
    }
    return cuts;
  }

  /** Ends the open segment at the last frame (unpublish); its duration, or undefined if none was open. */
  finish(): number | undefined {
    if (!this.open) return undefined;
    this.open = false;
    const duration = this.segmentEndDts - this.segmentStartDts;
    this.fixTargetDuration(duration);
    return duration;
  }

  /** EXT-X-TARGETDURATION (s) for this publish; defined once its first segment has closed. */
  get targetDurationS(): number | undefined {
    return this.targetS;
  }

  private fixTargetDuration(firstSegmentMs: number): void {
    if (this.targetS !== undefined) return;
    this.targetS = targetDurationFor(this.fragDurationMs, firstSegmentMs);
    // The cut lands on the first frame at or past the bound; leave room for one frame step (an audio
    // frame when audio is interleaved) so the EXTINF still rounds to at most the target.
    const step = Math.ceil(this.hasAudio ? this.audioFrameMs : this.videoFrameMs);
    this.forcedBoundMs = Math.min(this.forcedBoundMs, this.targetS * 1000 + 499 - step);
  }

  private begin(cuts: SegmentCut[], index: number, frame: MediaFrame, closed: number | undefined, forced: boolean): void {
    if (closed !== undefined) this.fixTargetDuration(closed);
    cuts.push({ index, closedDurationMs: closed, discontinuity: frame.discontinuity, forced });
    this.open = true;
    this.segmentStartDts = frame.dts;
    this.segmentEndDts = frame.dts;
    this.videoInSegment = false;
    this.audioInSegment = false;
  }

  /**
   * A timestamp jump flags the first frame after it on each track; the segment begun at the first flag
   * already holds the other track's post-jump frames, so its flag must not cut a second, tiny segment.
   */
  private seenInSegment(track: MediaFrame['track']): boolean {
    return track === 'video' ? this.videoInSegment : this.audioInSegment;
  }

  private extend(frame: MediaFrame): void {
    if (frame.track === 'video') this.videoInSegment = true;
    else this.audioInSegment = true;
    const timeline = this.hasVideo ? 'video' : 'audio';
    if (frame.track !== timeline) return;
    const end = frame.dts + Math.round(timeline === 'video' ? this.videoFrameMs : this.audioFrameMs);
    if (end > this.segmentEndDts) this.segmentEndDts = end;
  }

  private learnVideoFrameDuration(frame: MediaFrame): void {
    if (this.videoFrameMsFixed) return;
    if (this.videoSpanSteps < 0 || frame.discontinuity) {
      this.videoSpanStart = frame.dts;
      this.videoSpanSteps = 0;
      return;
    }
    this.videoSpanSteps++;
    // The mean step since the start (or the last jump): ms timestamps alternate, e.g. 33/34 ms at 30 fps.
    const span = frame.dts - this.videoSpanStart;
    if (span > 0) this.videoFrameMs = span / this.videoSpanSteps;
  }
}
