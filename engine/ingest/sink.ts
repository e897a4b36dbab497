import type { AacConfig, AvcConfig, MediaFrame } from '../media/types.js';

/** Who is publishing where. Created by the RTMP layer once admission accepted a publish. */
export interface PublishSession {
  /** Unique per publish (process-wide). */
  readonly id: string;
  readonly bucket: string;
  readonly channel: string;
  /** Playlist object name inside the channel prefix, e.g. `playlist.m3u8`. */
  readonly playlistName: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Epoch ms when the publish was admitted. */
  readonly connectedAt: number;
  /** Live counters, updated by ingest; read by GetLiveChannelStat and the edge's stats events. */
  readonly stats: PublishStats;
}

export interface PublishStats {
  video: AvcConfig | undefined;
  audio: AacConfig | undefined;
  /** Codec named by the FLV tag even when not muxed (e.g. 'MP3'); undefined before audio arrives. */
  audioCodecName: string | undefined;
  videoBytes: number;
  audioBytes: number;
  videoFrames: number;
  audioFrames: number;
  /** Frames dropped, by reason (e.g. 'before-sequence-header', 'unsupported-audio-codec'). */
  dropped: Record<string, number>;
}

/**
 * Consumer of one publish's frames (the muxer pipeline, or a test recorder).
 * Ingest calls `configure` whenever a sequence header changes, then `write` with batches of frames in
 * arrival order (interleaved tracks, per-track monotonic DTS). `write` returns false when the consumer
 * is saturated; ingest then pauses the socket until the consumer calls the `onDrain` it was given.
 */
export interface ChannelSink {
  configure(video: AvcConfig | undefined, audio: AacConfig | undefined): void;
  write(frames: readonly MediaFrame[]): boolean;
  /**
   * How many of the frames written so far (counted in write order) the sink no longer references, so
   * their payload memory may be reused by ingest. A sink without it keeps every payload valid for as
   * long as it holds the frame.
   */
  released?(): number;
  /** The publish ended; flush and release. Resolves when everything written is durable. */
  close(reason: EndReason): Promise<void>;
}

export type EndReason = 'unpublish' | 'disconnect' | 'error' | 'kicked' | 'shutdown';

export type SinkFactory = (session: PublishSession, onDrain: () => void) => ChannelSink;

/** What the RTMP layer knows when a client asks to publish. */
export interface PublishRequest {
  /** Bucket from the tcUrl host, the `{bucket}/live` app, or the configured default; undefined if none. */
  readonly bucket: string | undefined;
  readonly channel: string;
  /** Percent-decoded query of the stream name (and of the tcUrl when the client put it there). */
  readonly params: Readonly<Record<string, string>>;
  readonly app: string;
  readonly tcUrl: string;
  readonly streamName: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export type AdmissionResult =
  | { readonly ok: true; readonly bucket: string; readonly channel: string; readonly playlistName: string }
  | {
      readonly ok: false;
      readonly code: 'NetStream.Publish.BadName' | 'NetStream.Publish.Denied';
      readonly description: string;
    };

/** Pluggable publish admission; must settle within the server's admission timeout. */
export type Admission = (request: PublishRequest) => Promise<AdmissionResult>;
