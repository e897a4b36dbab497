/**
 * The media model shared by every layer: ingest produces it, the muxer and the HLS writer consume it.
 * Timestamps are integer milliseconds on a per-channel timeline that ingest has already unwrapped
 * (no 32-bit wrap) and made monotonic per track; they may exceed 2^32.
 */

export type TrackKind = 'video' | 'audio';

/** Parsed AVCDecoderConfigurationRecord plus what the first SPS says. */
export interface AvcConfig {
  readonly codec: 'avc';
  /** The record exactly as received (FLV AVCPacketType 0 body). */
  readonly record: Uint8Array;
  readonly profile: number;
  readonly compatibility: number;
  readonly level: number;
  /** Bytes in each NAL length prefix of AVCC frames: 1, 2 or 4. */
  readonly nalLengthSize: 1 | 2 | 4;
  readonly sps: readonly Uint8Array[];
  readonly pps: readonly Uint8Array[];
  readonly width: number;
  readonly height: number;
  /** Frames per second when the SPS VUI signals a fixed rate, else undefined. */
  readonly frameRate: number | undefined;
}

/** Parsed AAC AudioSpecificConfig. */
export interface AacConfig {
  readonly codec: 'aac';
  /** The AudioSpecificConfig exactly as received (FLV AACPacketType 0 body). */
  readonly asc: Uint8Array;
  /** Audio object type (2 = AAC-LC). */
  readonly objectType: number;
  readonly samplingFrequencyIndex: number;
  readonly sampleRate: number;
  readonly channelConfiguration: number;
  readonly channels: number;
}

export interface MediaFrame {
  readonly track: TrackKind;
  /** Decode time, ms. */
  readonly dts: number;
  /** Presentation time, ms (dts + composition time for video, = dts for audio). */
  readonly pts: number;
  /** Video IDR / FLV key frame. Always false for audio. */
  readonly keyframe: boolean;
  /** Video: AVCC (length-prefixed NAL units, nalLengthSize from the config). Audio: one raw AAC frame. */
  readonly data: Uint8Array;
  /** Set on the first frame after a timestamp jump or a codec-config change that breaks decoding. */
  readonly discontinuity: boolean;
}
