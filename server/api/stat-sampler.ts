import type { PublishSession } from '../../engine/ingest/sink.js';

/** Rates for GetLiveChannelStat; Bandwidth is bytes per second. */
export interface PublishRates {
  readonly videoBandwidth: number;
  readonly audioBandwidth: number;
  readonly frameRate: number;
}

interface Sample {
  time: number;
  videoBytes: number;
  audioBytes: number;
  videoFrames: number;
  rates: PublishRates;
}

/** Below this a new sample would be mostly noise; the previous rates are returned instead. */
const MIN_INTERVAL_MS = 1000;

/**
 * Recent average rates from the ingest byte/frame counters: each stat call compares the counters with
 * the previous call's sample. The first call of a session averages since it connected.
 */
export class StatSampler {
  private readonly samples = new Map<string, Sample>();

  rates(session: PublishSession, now: number): PublishRates {
    const s = session.stats;
    const previous = this.samples.get(session.id) ?? {
      time: session.connectedAt,
      videoBytes: 0,
      audioBytes: 0,
      videoFrames: 0,
      rates: { videoBandwidth: 0, audioBandwidth: 0, frameRate: 0 },
    };
    const elapsed = now - previous.time;
    if (elapsed < MIN_INTERVAL_MS && this.samples.has(session.id)) return previous.rates;
    const seconds = Math.max(elapsed, 1) / 1000;
    const rates: PublishRates = {
      videoBandwidth: Math.round((s.videoBytes - previous.videoBytes) / seconds),
      audioBandwidth: Math.round((s.audioBytes - previous.audioBytes) / seconds),
      frameRate: Math.round((s.videoFrames - previous.videoFrames) / seconds),
    };
    this.samples.set(session.id, { time: now, videoBytes: s.videoBytes, audioBytes: s.audioBytes, videoFrames: s.videoFrames, rates });
    return rates;
  }

  /** Drops samples of publishes that ended. */
  prune(liveSessionIds: ReadonlySet<string>): void {
    for (const id of this.samples.keys()) if (!liveSessionIds.has(id)) this.samples.delete(id);
  }
}
