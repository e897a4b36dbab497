import { parseAacConfig } from '../flv/aac-config.js';
import { newAudioTagHeader, readAudioTagHeader } from '../flv/audio-tag.js';
import { parseAvcConfig } from '../flv/avc-config.js';
import { FlvError } from '../flv/flv-error.js';
import { newVideoTagHeader, readVideoTagHeader } from '../flv/video-tag.js';
import type { AacConfig, AvcConfig, MediaFrame } from '../media/types.js';
import type { ChannelSink, PublishStats } from './sink.js';
import { DEFAULT_JUMP_THRESHOLD_MS, TrackTimeline } from './timeline.js';

export const FLV_TAG_AUDIO = 8;
export const FLV_TAG_VIDEO = 9;

/** The publish carries video that livebucket cannot mux; the publish must be refused. */
export class UnsupportedVideoCodecError extends FlvError {
  constructor(readonly codecName: string) {
    super(`video codec ${codecName} is not supported: livebucket accepts H.264 video only`);
  }
}

export interface FlvIngestOptions {
  /** Timestamp step (ms) treated as a discontinuity; default 5000. */
  readonly jumpThresholdMs?: number;
  /** Told at each flush how many frames were dropped per reason since the last one (also in stats.dropped). */
  readonly onDropped?: (reason: string, count: number) => void;
}

/** Creates the zeroed counters a publish starts with. */
export function newPublishStats(): PublishStats {
  return {
    video: undefined,
    audio: undefined,
    audioCodecName: undefined,
    videoBytes: 0,
    audioBytes: 0,
    videoFrames: 0,
    audioFrames: 0,
    dropped: {},
  };
}

/**
 * FLV tags of one publish -> codec configs and timed frames for a ChannelSink.
 *
 * push() collects frames; flush() hands them to the sink as one batch, so the caller decides the batch
 * boundaries (the RTMP session flushes once per socket read). Frame payloads are views into the tag
 * bodies, so a body must stay untouched until the sink no longer references the frames made from it
 * (ChannelSink.released passing framesIssued as it was after the push). Codec configs are copied: they
 * outlive their bodies.
 *
 * Throws UnsupportedVideoCodecError for non-H.264 video and FlvError for a malformed sequence header;
 * unsupported audio, media before its sequence header and undecodable media frames are dropped and
 * counted, never fatal.
 */
export class FlvIngest {
  private batch: MediaFrame[] = [];
  private readonly video: TrackTimeline;
  private readonly audio: TrackTimeline;
  private readonly videoHeader = newVideoTagHeader();
  private readonly audioHeader = newAudioTagHeader();
  /** A config change that breaks decoding flags the next frame of that track. */
  private videoBreak = false;
  private audioBreak = false;
  /** A write() inside push() (before a configure) reported saturation; flush() reports it too. */
  private saturated = false;
  /** Drops since the last flush, reported once per reason per batch rather than per frame. */
  private readonly drops = new Map<string, number>();

  constructor(
    private readonly sink: ChannelSink,
    readonly stats: PublishStats,
    private readonly options: FlvIngestOptions = {},
  ) {
    const threshold = options.jumpThresholdMs ?? DEFAULT_JUMP_THRESHOLD_MS;
    this.video = new TrackTimeline(threshold);
    this.audio = new TrackTimeline(threshold);
  }

  /** One FLV tag (8 audio, 9 video; script data and other types are ignored), timestamp as sent. */
  push(type: number, timestamp: number, body: Uint8Array): void {
    if (type === FLV_TAG_VIDEO) this.pushVideo(timestamp, body);
    else if (type === FLV_TAG_AUDIO) this.pushAudio(timestamp, body);
  }

  /** Frames made so far (handed to the sink or waiting in the batch), in the order the sink gets them. */
  get framesIssued(): number {
    return this.stats.videoFrames + this.stats.audioFrames;
  }

  /** Delivers collected frames; false when the sink is saturated (pause input until its onDrain). */
  flush(): boolean {
    let ok = !this.saturated;
    this.saturated = false;
    if (this.drops.size > 0) {
      for (const [reason, count] of this.drops) this.options.onDropped?.(reason, count);
      this.drops.clear();
    }
    if (this.batch.length > 0) {
      const frames = this.batch;
      this.batch = [];
      ok = this.sink.write(frames) && ok;
    }
    return ok;
  }

  private pushVideo(timestamp: number, body: Uint8Array): void {
    const h = this.videoHeader;
    try {
      readVideoTagHeader(body, h);
    } catch (e) {
      if (e instanceof FlvError) return this.drop('malformed-video-tag');
      throw e;
    }
    if (h.kind === 'other' || h.kind === 'end-of-sequence') return;
    if (!h.avc) throw new UnsupportedVideoCodecError(h.codecName);
    if (h.kind === 'sequence-header') {
      const record = new Uint8Array(body.subarray(h.dataOffset));
      const current = this.stats.video;
      if (current && sameBytes(current.record, record)) return;
      this.reconfigure(parseAvcConfig(record), this.stats.audio);
      if (current) this.videoBreak = true;
      return;
    }
    if (!this.stats.video) return this.drop('before-sequence-header');
    const data = body.subarray(h.dataOffset);
    if (data.length === 0) return this.drop('empty-frame');
    const dts = this.video.map(timestamp);
    this.batch.push({
      track: 'video',
      dts,
      pts: dts + h.compositionTime,
      keyframe: h.frameType === 1,
      data,
      discontinuity: this.video.discontinuity || this.videoBreak,
    });
    this.videoBreak = false;
    this.stats.videoFrames++;
    this.stats.videoBytes += data.length;
  }

  private pushAudio(timestamp: number, body: Uint8Array): void {
    const h = this.audioHeader;
    try {
      readAudioTagHeader(body, h);
    } catch (e) {
      if (e instanceof FlvError) return this.drop('malformed-audio-tag');
      throw e;
    }
    this.stats.audioCodecName = h.codecName;
    if (!h.aac) return this.drop('unsupported-audio-codec');
    if (h.kind === 'other') return;
    if (h.kind === 'sequence-header') {
      const asc = new Uint8Array(body.subarray(h.dataOffset));
      const current = this.stats.audio;
      if (current && sameBytes(current.asc, asc)) return;
      let config: AacConfig;
      try {
        config = parseAacConfig(asc);
      } catch (e) {
        // Audio is optional: a config we cannot read drops the audio, not the publish.
        if (e instanceof FlvError) return this.drop('malformed-audio-config');
        throw e;
      }
      this.reconfigure(this.stats.video, config);
      if (current) this.audioBreak = true;
      return;
    }
    if (!this.stats.audio) return this.drop('before-sequence-header');
    const data = body.subarray(h.dataOffset);
    if (data.length === 0) return this.drop('empty-frame');
    const dts = this.audio.map(timestamp);
    this.batch.push({
      track: 'audio',
      dts,
      pts: dts,
      keyframe: false,
      data,
      discontinuity: this.audio.discontinuity || this.audioBreak,
    });
    this.audioBreak = false;
    this.stats.audioFrames++;
    this.stats.audioBytes += data.length;
  }

  /** Frames collected so far were produced under the old config: deliver them before configuring. */
  private reconfigure(video: AvcConfig | undefined, audio: AacConfig | undefined): void {
    if (this.batch.length > 0 && !this.flush()) this.saturated = true;
    this.stats.video = video;
    this.stats.audio = audio;
    this.sink.configure(video, audio);
  }

  private drop(reason: string): void {
    const dropped = this.stats.dropped;
    dropped[reason] = (dropped[reason] ?? 0) + 1;
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
