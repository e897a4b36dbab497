import type { AacConfig, AvcConfig, MediaFrame } from '../media/types.js';

/**
 * TS output of one batch, as views into the ring buffer that carries it from the muxer to the HLS writer.
 * `parts[0]` continues the segment in progress (empty when the batch starts with a cut); `parts[k]`
 * (k >= 1) begins the segment that starts at frame `cuts[k - 1]` and opens with PAT, PMT and a PCR.
 * Every part is a whole number of 188-byte packets. The consumer copies what it keeps, then calls
 * `release()` exactly once to give the ring space back; until then the views stay valid.
 */
export interface TsOutput {
  readonly parts: readonly Uint8Array[];
  release(): void;
}

/** The muxer of one channel. Its state (continuity counters, codec config, clocks) lives with it. */
export interface ChannelMuxer {
  /** New sequence headers; takes effect for the next frames passed to `mux`. */
  configure(video: AvcConfig | undefined, audio: AacConfig | undefined): void;
  /**
   * Packetizes `frames` in order. `cuts` are ascending frame indices at which a new segment begins.
   * At most one call per channel may be pending: call again only after the previous one settled.
   */
  mux(frames: readonly MediaFrame[], cuts: readonly number[]): Promise<TsOutput>;
}

/** Where muxing runs: inline on the calling thread, or on the piscina pool. Same behaviour either way. */
export interface MuxBackend {
  readonly kind: 'inline' | 'pool';
  open(): ChannelMuxer;
  close(): Promise<void>;
}
