/**
 * Segment-to-playlist latency: the keyframe that closes segment N arrives -> the playlist listing N is
 * stored, at 1, 16 and 100 channels fed pre-parsed frames at real-time pace into the full pipeline
 * (segmenter, muxer, FS object store, SQLite index), from the bench clip (720p30, ~2.5 Mbit/s, 2 s GOP) with
 * FragDuration 2. Prints JSON lines: a detail line per channel count, then p50/p99 figures.
 *
 *   node dist/bench/hls-latency.js [--channels 1,16,100] [--seconds 20] [--speed 1] [--backend inline|pool]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { EngineEventBus } from '../engine/events.js';
import { readFlvTags } from '../engine/flv/flv-file.js';
import { FlvIngest, newPublishStats } from '../engine/ingest/flv-ingest.js';
import type { ChannelSink, PublishSession } from '../engine/ingest/sink.js';
import type { AacConfig, AvcConfig, MediaFrame } from '../engine/media/types.js';
import { createInlineMuxBackend } from '../engine/mux/inline-backend.js';
import { createPoolMuxBackend } from '../engine/mux/pool-backend.js';
import { createPipelineSinkFactory } from '../engine/pipeline/pipeline-factory.js';
import { FsObjectStore } from '../engine/store/fs-object-store.js';
import { SqliteMetadataStore } from '../engine/store/sqlite-metadata-store.js';
import { makeBenchClip } from './clip.js';

const TICK_MS = 5;
const BUCKET = 'bench';

interface Parsed {
  readonly video: AvcConfig | undefined;
  readonly audio: AacConfig | undefined;
  readonly frames: readonly MediaFrame[];
}

/** The clip's frames as ingest produces them, parsed once and shared by every channel. */
async function parseClip(file: string): Promise<Parsed> {
  let video: AvcConfig | undefined;
  let audio: AacConfig | undefined;
  const frames: MediaFrame[] = [];
  const capture: ChannelSink = {
    configure: (v, a) => ((video = v), (audio = a)),
    write: (batch) => (frames.push(...batch), true),
    close: async () => undefined,
  };
  const ingest = new FlvIngest(capture, newPublishStats());
  for await (const tag of readFlvTags(file)) ingest.push(tag.type, tag.timestamp, tag.body);
  ingest.flush();
  return { video, audio, frames };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface RunResult {
  readonly backend: string;
  readonly channels: number;
  readonly speed: number;
  readonly mediaSeconds: number;
  readonly segments: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly maxTickOverrunMs: number;
}

async function run(clip: Parsed, channels: number, speed: number, backendKind: string): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'livebucket-bench-hls-'));
  const objects = FsObjectStore.open(join(dir, 'objects'));
  const meta = SqliteMetadataStore.open(join(dir, 'meta.db'));
  const backend = backendKind === 'pool' ? await createPoolMuxBackend() : await createInlineMuxBackend();
  const events = new EngineEventBus();
  const latencies: number[] = [];
  let feeding = true;
  events.on('segment', (e) => feeding && latencies.push(e.latencyMs));
  const factory = createPipelineSinkFactory({ backend, objects, meta, events });

  const first = clip.frames[0]!.dts;
  const mediaMs = clip.frames[clip.frames.length - 1]!.dts - first;
  const feeds = Array.from({ length: channels }, (_, i) => {
    const name = `ch${i}`;
    meta.putChannel(BUCKET, name, { description: '', status: 'enabled', fragDuration: 2, fragCount: 3, playlistName: 'playlist.m3u8' }, Date.now());
    const session: PublishSession = {
      id: `bench-${i}`,
      bucket: BUCKET,
      channel: name,
      playlistName: 'playlist.m3u8',
      remoteAddress: '127.0.0.1',
      remotePort: 40000 + i,
      connectedAt: Date.now(),
      stats: newPublishStats(),
    };
    const feed = { next: 0, paused: false, sink: undefined as unknown as ChannelSink, startOffsetMs: 0 };
    feed.sink = factory(session, () => (feed.paused = false));
    feed.sink.configure(clip.video, clip.audio);
    // Publishers start at spread-out moments, as independent encoders do, so keyframes do not all coincide.
    feed.startOffsetMs = ((i * 2000) / channels) % 2000;
    return feed;
  });

  const t0 = performance.now();
  let lag = 0;
  while (feeds.some((f) => f.next < clip.frames.length)) {
    const tickStart = performance.now();
    const mediaNow = (tickStart - t0) * speed;
    for (const feed of feeds) {
      if (feed.paused || feed.next >= clip.frames.length) continue;
      let end = feed.next;
      while (end < clip.frames.length && clip.frames[end]!.dts - first + feed.startOffsetMs <= mediaNow) end++;
      if (end === feed.next) continue;
      if (!feed.sink.write(clip.frames.slice(feed.next, end))) feed.paused = true;
      feed.next = end;
    }
    const wait = TICK_MS - (performance.now() - tickStart);
    if (wait < 0) lag = Math.max(lag, -wait);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }
  feeding = false;
  await Promise.all(feeds.map((f) => f.sink.close('unpublish')));
  await backend.close();
  await objects.close();
  meta.close();
  rmSync(dir, { recursive: true, force: true });

  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    backend: backendKind,
    channels,
    speed,
    mediaSeconds: round(mediaMs / 1000),
    segments: latencies.length,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1] ?? NaN),
    maxTickOverrunMs: round(lag),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      channels: { type: 'string', default: '1,16,100' },
      seconds: { type: 'string', default: '20' },
      speed: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'inline' },
    },
  });
  const clip = await parseClip((await makeBenchClip(Number(values.seconds))).path);
  for (const channels of values.channels.split(',').map(Number)) {
    const result = await run(clip, channels, Number(values.speed), values.backend);
    // The detail line (no `name`) is echoed by `npm run bench`; the figure lines join its table.
    console.log(JSON.stringify({ detail: result }));
    for (const p of ['p50Ms', 'p99Ms'] as const) {
      const figure = { name: `segment->playlist ${p.slice(0, 3)} @${channels}ch (${values.backend})`, value: result[p], unit: 'ms' };
      console.log(JSON.stringify(p === 'p99Ms' && channels === 100 ? { ...figure, target: '<= 50' } : figure));
    }
  }
}

await main();
