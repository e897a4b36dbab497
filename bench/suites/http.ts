import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { runLoad } from '../loadgen/load-generator.js';
import { cpuSeconds } from '../proc-stats.js';
import type { Figure } from '../results.js';
import { capCpu } from '../servers/cpu-cap.js';
import { nginxAvailable } from '../servers/nginx.js';
import { BUCKET, livebucketTargets, percentile, sleep, withLivebucket, withNginx, withScratch, type BenchContext } from './context.js';

const SUITE = 'http';
const SEGMENT_BYTES = 1 << 20;
/**
 * Runs of the edge-vs-nginx playlist comparison: single runs swung from 0.5 to 1.2 with the shared host.
 * The comparison with all the CPU carries no target, so a quick run measures it once.
 */
const PLAYLIST_ROUNDS = 3;
/**
 * With all the CPU, autocannon (one JS thread parsing every response) saturates its core before either
 * server does, so req/s measures the client. Held to half a core each, the servers are what runs out,
 * and one autocannon thread keeps up with either (it needs 0.6 to 0.8 of a core for what half a core
 * serves).
 */
const CAPPED_CORES = 0.5;

interface AutocannonResult {
  requests: { average: number };
  throughput: { average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

async function get(url: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** A URL to load and the server process that answers it. */
interface Target {
  readonly name: string;
  readonly url: string;
  /** Whether a probe GET returned the right bytes. */
  readonly expected: (body: Buffer) => boolean;
  /** Bytes per response at least (headers included): fewer means short bodies. */
  readonly minBytes: number;
  readonly pid: number;
}

interface Run {
  readonly reqPerS: number;
  readonly perServerCpu: number;
  readonly gbitPerS: number;
}

/** One autocannon run against a target, its server held to `cores` of CPU when given, or why it failed. */
async function run(ctx: BenchContext, target: Target, duration: number, cores: number | undefined): Promise<Run | string> {
  const probe = await get(target.url);
  if (probe.status !== 200 || !target.expected(probe.body)) return `probe GET gave ${probe.status} with ${probe.body.length} bytes that do not match`;
  // The server's CPU while idle (a live channel keeps ingesting) is subtracted from what the run costs.
  const idle0 = cpuSeconds(target.pid);
  await sleep(ctx.quick ? 500 : 1000);
  const idleRate = (cpuSeconds(target.pid) - idle0) / (ctx.quick ? 0.5 : 1);
  const cap = cores === undefined ? undefined : capCpu(target.pid, cores);
  if (typeof cap === 'string') return cap;
  const cpu0 = cpuSeconds(target.pid);
  let result: AutocannonResult;
  try {
    result = await autocannon({ url: target.url, connections: 32, pipelining: 1, duration });
  } finally {
    cap?.release();
  }
  const serverCpu = Math.max(0.01, cpuSeconds(target.pid) - cpu0 - idleRate * duration);
  const problems = result.errors + result.timeouts + result.non2xx;
  // Throughput counts headers too, so a response shorter than the object shows as too few bytes.
  const perResponse = result.throughput.average / Math.max(1, result.requests.average);
  if (problems > 0) return `${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`;
  if (perResponse < target.minBytes) return `${perResponse.toFixed(0)} bytes per response, expected >= ${target.minBytes}`;
  return {
    reqPerS: result.requests.average,
    perServerCpu: (result.requests.average * duration) / serverCpu,
    gbitPerS: (result.throughput.average * 8) / 1e9,
  };
}

const median = (values: readonly number[]): number => percentile(values, 50);

/**
 * req/s of each target: `rounds` runs, the targets taking turns, so that a slower minute of the shared
 * host weighs on all of them alike; the figure is the median run. `cores` holds each server to that CPU.
 */
async function measure(ctx: BenchContext, targets: readonly Target[], rounds: number, cores?: number): Promise<Figure[]> {
  const duration = ctx.quick ? 2 : 10;
  const runs = targets.map((): Run[] => []);
  const failures = targets.map((): string | undefined => undefined);
  for (let round = 0; round < rounds; round++) {
    for (const [i, target] of targets.entries()) {
      if (failures[i]) continue;
      const result = await run(ctx, target, duration, cores);
      if (typeof result === 'string') failures[i] = result;
      else runs[i]!.push(result);
    }
  }
  return targets.map((target, i) => {
    const failure = failures[i];
    if (failure) return ctx.report.fail(SUITE, target.name, 'req/s', failure);
    const mine = runs[i]!;
    const spread = rounds > 1 ? `median of ${rounds} runs taking turns (${mine.map((r) => r.reqPerS.toFixed(0)).join(', ')}), ` : '';
    return ctx.report.ok(SUITE, target.name, median(mine.map((r) => r.reqPerS)), 'req/s', {
      note: `${spread}${median(mine.map((r) => r.gbitPerS)).toFixed(2)} Gbit/s, ${median(mine.map((r) => r.perServerCpu)).toFixed(0)} req per server cpu-s`,
    });
  });
}

/**
 * A live playlist (one real-time publisher keeps rewriting it) and a 1 MB segment, fetched by autocannon
 * from the uWS edge, the fastify API and nginx serving the same bytes from disk.
 */
export async function httpSuite(ctx: BenchContext): Promise<void> {
  await withScratch((dir) =>
    withLivebucket(dir, 1, async (server) => {
      const stop = new AbortController();
      const publishing = runLoad({ clip: ctx.chunked, targets: livebucketTargets(server, 1), pace: 'realtime', seconds: 600, signal: stop.signal });
      try {
        const edge = `http://127.0.0.1:${server.edgePort}/${BUCKET}`;
        const api = `http://127.0.0.1:${server.httpPort}/${BUCKET}`;
        let playlist: Buffer | undefined;
        for (let i = 0; i < 100 && !playlist; i++) {
          const res = await get(`${edge}/ch0/playlist.m3u8`);
          // A full window (FragCount = 3): the playlist stops growing, so nginx's copy has its size.
          if (res.status === 200 && res.body.toString().split('#EXTINF').length > 3) playlist = res.body;
          else await sleep(200);
        }
        if (!playlist) {
          ctx.report.fail(SUITE, 'live playlist', 'req/s', 'the live channel listed no 3 segments within 20 s');
          return;
        }
        const segment = Buffer.alloc(SEGMENT_BYTES);
        for (let i = 0; i < SEGMENT_BYTES; i += 188) segment[i] = 0x47;
        const put = await fetch(`${api}/ch0/1mb.ts`, { method: 'PUT', body: segment, headers: { 'content-type': 'video/MP2T' } });
        if (put.status !== 200) throw new Error(`PUT of the 1 MB segment gave ${put.status}`);
        const isPlaylist = (body: Buffer): boolean => body.toString().startsWith('#EXTM3U') && body.includes('.ts');
        const isSegment = (body: Buffer): boolean => md5(body) === md5(segment);
        const playlistBytes = playlist.length;
        const target = (name: string, url: string, expected: (body: Buffer) => boolean, minBytes: number, pid: number): Target => ({
          name, url, expected, minBytes, pid,
        });
        const edgePlaylistAt = target('live playlist: uWS edge', `${edge}/ch0/playlist.m3u8`, isPlaylist, playlistBytes, server.pid);
        const edgeSegmentAt = target('1 MB segment: uWS edge', `${edge}/ch0/1mb.ts`, isSegment, SEGMENT_BYTES, server.pid);
        const [apiPlaylist, apiSegment] = await measure(ctx, [
          target('live playlist: fastify API', `${api}/ch0/playlist.m3u8`, isPlaylist, playlistBytes, server.pid),
          target('1 MB segment: fastify API', `${api}/ch0/1mb.ts`, isSegment, SEGMENT_BYTES, server.pid),
        ], 1);
        const held = (t: Target): Target => ({ ...t, name: `${t.name}, server held to ${CAPPED_CORES} core` });
        let edgePlaylist: Figure;
        let edgeSegment: Figure;
        let nginxPlaylist: Figure;
        let nginxSegment: Figure;
        let edgeHeld: Figure;
        let nginxHeld: Figure;
        if (!nginxAvailable()) {
          [edgePlaylist, edgeSegment] = await measure(ctx, [edgePlaylistAt, edgeSegmentAt], 1);
          [edgeHeld] = await measure(ctx, [held(edgePlaylistAt)], 1, CAPPED_CORES);
          nginxPlaylist = ctx.report.skip(SUITE, 'live playlist: nginx', 'req/s', 'nginx not installed');
          nginxHeld = ctx.report.skip(SUITE, `live playlist: nginx, server held to ${CAPPED_CORES} core`, 'req/s', 'nginx not installed');
          nginxSegment = ctx.report.skip(SUITE, '1 MB segment: nginx', 'req/s', 'nginx not installed');
        } else {
          // nginx runs beside livebucket, so that the edge and nginx can take turns.
          [edgePlaylist, nginxPlaylist, edgeHeld, nginxHeld, edgeSegment, nginxSegment] = await withScratch((nginxDir) =>
            withNginx(nginxDir, async (nginx) => {
              const files = join(nginx.wwwDir, BUCKET, 'ch0');
              mkdirSync(files, { recursive: true });
              writeFileSync(join(files, 'playlist.m3u8'), playlist!);
              writeFileSync(join(files, '1mb.ts'), segment);
              const base = `http://127.0.0.1:${nginx.httpPort}/${BUCKET}`;
              const nginxPlaylistAt = target('live playlist: nginx', `${base}/ch0/playlist.m3u8`, (b) => b.equals(playlist!), playlistBytes, nginx.pid);
              const playlists = await measure(ctx, [edgePlaylistAt, nginxPlaylistAt], ctx.quick ? 1 : PLAYLIST_ROUNDS);
              const heldPlaylists = await measure(ctx, [held(edgePlaylistAt), held(nginxPlaylistAt)], PLAYLIST_ROUNDS, CAPPED_CORES);
              const segments = await measure(ctx, [
                edgeSegmentAt,
                target('1 MB segment: nginx', `${base}/ch0/1mb.ts`, isSegment, SEGMENT_BYTES, nginx.pid),
              ], 1);
              return [playlists[0]!, playlists[1]!, heldPlaylists[0]!, heldPlaylists[1]!, segments[0]!, segments[1]!] as const;
            }),
          );
        }
        ctx.report.ratio(SUITE, 'live playlist: edge / fastify', edgePlaylist, apiPlaylist, '>= 3');
        // With all the CPU the client is what saturates: printed, but the target is judged where the servers are.
        ctx.report.ratio(SUITE, 'live playlist: edge / nginx, all CPU (autocannon-bound)', edgePlaylist, nginxPlaylist);
        ctx.report.ratio(SUITE, `live playlist: edge / nginx, each held to ${CAPPED_CORES} core`, edgeHeld, nginxHeld, '>= 1');
        ctx.report.ratio(SUITE, '1 MB segment: edge / fastify', edgeSegment, apiSegment);
        ctx.report.ratio(SUITE, '1 MB segment: edge / nginx', edgeSegment, nginxSegment);
      } finally {
        stop.abort();
        await publishing.catch(() => undefined);
      }
    }),
  );
}
