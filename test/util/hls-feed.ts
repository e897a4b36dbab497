import { setTimeout as sleep } from 'node:timers/promises';
import { readFlvTags } from '../../engine/flv/flv-file.js';
import { FlvIngest, newPublishStats } from '../../engine/ingest/flv-ingest.js';
import type { EndReason, PublishSession, SinkFactory } from '../../engine/ingest/sink.js';

export interface FeedOptions {
  /** Pace tags by their timestamps (as `ffmpeg -re`); default as fast as back-pressure allows. */
  readonly realtime?: boolean;
  /** Tags per sink batch (the RTMP server flushes once per socket read); default 8. */
  readonly tagsPerBatch?: number;
  readonly playlistName?: string;
  readonly reason?: EndReason;
}

let publishes = 0;

/** A publish session as the RTMP server would create it after admission. */
export function testSession(bucket: string, channel: string, playlistName = 'playlist.m3u8'): PublishSession {
  return {
    id: `hls-test-${++publishes}`,
    bucket,
    channel,
    playlistName,
    remoteAddress: '127.0.0.1',
    remotePort: 50000 + publishes,
    connectedAt: Date.now(),
    stats: newPublishStats(),
  };
}

/**
 * Publishes an FLV file into a sink from `factory` without RTMP: FLV tags -> FlvIngest -> sink, honouring
 * the sink's back-pressure like the socket does, then closes the sink. Resolves when the sink has closed,
 * with how often the sink paused the feed.
 */
export async function publishFlv(
  factory: SinkFactory,
  session: PublishSession,
  file: string,
  options: FeedOptions = {},
): Promise<{ pauses: number }> {
  const tagsPerBatch = options.tagsPerBatch ?? 8;
  let drained: (() => void) | undefined;
  const sink = factory(session, () => drained?.());
  const ingest = new FlvIngest(sink, session.stats);
  const start = performance.now();
  let firstTimestamp: number | undefined;
  let inBatch = 0;
  let pauses = 0;
  const flush = async () => {
    inBatch = 0;
    if (ingest.flush()) return;
    pauses++;
    await new Promise<void>((resolve) => (drained = resolve));
  };
  for await (const tag of readFlvTags(file)) {
    if (options.realtime && tag.type !== 18) {
      firstTimestamp ??= tag.timestamp;
      const due = start + tag.timestamp - firstTimestamp - performance.now();
      if (due > 5) {
        await flush();
        await sleep(due);
      }
    }
    ingest.push(tag.type, tag.timestamp, tag.body);
    if (++inBatch >= tagsPerBatch) await flush();
  }
  await flush();
  await sink.close(options.reason ?? 'unpublish');
  return { pauses };
}
