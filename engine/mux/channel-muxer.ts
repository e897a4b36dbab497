import type { AacConfig, AvcConfig, MediaFrame } from '../media/types.js';
import { STATE_BYTES } from './batch-layout.js';
import { encodeMuxConfig, type MuxConfig } from './mux-config.js';
import type { ChannelMuxer, TsOutput } from './types.js';

export interface BatchResult {
  readonly output: TsOutput;
  readonly state: Uint8Array;
}

/** Muxes one batch of one channel somewhere (inline or on the pool), from and to the given state. */
export type BatchRunner = (
  frames: readonly MediaFrame[], cuts: readonly number[], config: MuxConfig, state: Uint8Array,
) => Promise<BatchResult>;

/** The per-channel half of every backend: config, the state that travels with each batch, the one-in-flight rule. */
export class BatchChannelMuxer implements ChannelMuxer {
  private config: MuxConfig = encodeMuxConfig(undefined, undefined);
  private state: Uint8Array = new Uint8Array(STATE_BYTES);
  private pending = false;

  constructor(private readonly run: BatchRunner) {}

  configure(video: AvcConfig | undefined, audio: AacConfig | undefined): void {
    this.config = encodeMuxConfig(video, audio);
  }

  async mux(frames: readonly MediaFrame[], cuts: readonly number[]): Promise<TsOutput> {
    if (this.pending) throw new Error('mux called while the previous batch of this channel is pending');
    for (let k = 0; k < cuts.length; k++) {
      const cut = cuts[k]!;
      if (!Number.isInteger(cut) || cut < 0 || cut > frames.length || (k > 0 && cut <= cuts[k - 1]!)) {
        throw new RangeError(`cuts must be ascending frame indices, got [${cuts.join(', ')}] for ${frames.length} frames`);
      }
    }
    this.pending = true;
    try {
      const result = await this.run(frames, cuts, this.config, this.state);
      this.state = result.state;
      return result.output;
    } finally {
      this.pending = false;
    }
  }
}
