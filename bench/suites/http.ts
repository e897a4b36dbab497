import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { runLoad } from '../loadgen/load-generator.js';
import { cpuSeconds } from '../proc-stats.js';
import type { Figure } from '../results.js';
import { nginxAvailable } from '../servers/nginx.js';
import { BUCKET, livebucketTargets, sleep, withLivebucket, withNginx, withScratch, type BenchContext } from './context.js';

const SUITE = 'http';
const SEGMENT_BYTES = 1 << 20;

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

/** req/s of one URL under autocannon, after a GET proved it serves `expected` (or any 200 when undefined). */
async function measure(
  ctx: BenchContext,
  name: string,
  url: string,
  expected: (body: Buffer) => boolean,
  minBytes: number,
  pid: number,
): Promise<Figure> {
  const probe = await get(url);
  if (probe.status !== 200 || !expected(probe.body)) {
    return ctx.report.fail(SUITE, name, 'req/s', `probe GET gave ${probe.status} with ${probe.body.length} bytes that do not match`);
  }
  // The server's CPU while idle (a live channel keeps ingesting) is subtracted from what the run costs.
  const idle0 = cpuSeconds(pid);
  await sleep(1000);
  const idleRate = cpuSeconds(pid) - idle0;
  const cpu0 = cpuSeconds(pid);
  const duration = ctx.quick ? 3 : 10;
  const result = await autocannon({ url, connections: 32, pipelining: 1, duration });
  const serverCpu = Math.max(0.01, cpuSeconds(pid) - cpu0 - idleRate * duration);
  const problems = result.errors + result.timeouts + result.non2xx;
  // Throughput counts headers too, so a response shorter than the object shows as too few bytes.
  const perResponse = result.throughput.average / Math.max(1, result.requests.average);
  if (problems > 0) return ctx.report.fail(SUITE, name, 'req/s', `${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  if (perResponse < minBytes) return ctx.report.fail(SUITE, name, 'req/s', `${perResponse.toFixed(0)} bytes per response, expected >= ${minBytes}`);
  const perCpu = (result.requests.average * duration) / serverCpu;
  return ctx.report.ok(SUITE, name, result.requests.average, 'req/s', {
    note: `${((result.throughput.average * 8) / 1e9).toFixed(2)} Gbit/s, ${perCpu.toFixed(0)} req per server cpu-s`,
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
          if (res.status === 200 && res.body.includes('.ts')) playlist = res.body;
          else await sleep(200);
        }
        if (!playlist) {
          ctx.report.fail(SUITE, 'live playlist', 'req/s', 'the live channel wrote no playlist within 20 s');
          return;
        }
        const segment = Buffer.alloc(SEGMENT_BYTES);
        for (let i = 0; i < SEGMENT_BYTES; i += 188) segment[i] = 0x47;
        const put = await fetch(`${api}/ch0/1mb.ts`, { method: 'PUT', body: segment, headers: { 'content-type': 'video/MP2T' } });
        if (put.status !== 200) throw new Error(`PUT of the 1 MB segment gave ${put.status}`);
        const isPlaylist = (body: Buffer): boolean => body.toString().startsWith('#EXTM3U') && body.includes('.ts');
        const isSegment = (body: Buffer): boolean => md5(body) === md5(segment);
        const playlistBytes = playlist.length;
        const edgePlaylist = await measure(ctx, 'live playlist: uWS edge', `${edge}/ch0/playlist.m3u8`, isPlaylist, playlistBytes, server.pid);
        const apiPlaylist = await measure(ctx, 'live playlist: fastify API', `${api}/ch0/playlist.m3u8`, isPlaylist, playlistBytes, server.pid);
        const edgeSegment = await measure(ctx, '1 MB segment: uWS edge', `${edge}/ch0/1mb.ts`, isSegment, SEGMENT_BYTES, server.pid);
        const apiSegment = await measure(ctx, '1 MB segment: fastify API', `${api}/ch0/1mb.ts`, isSegment, SEGMENT_BYTES, server.pid);
        let nginxPlaylist: Figure;
        let nginxSegment: Figure;
        if (!nginxAvailable()) {
          nginxPlaylist = ctx.report.skip(SUITE, 'live playlist: nginx', 'req/s', 'nginx not installed');
          nginxSegment = ctx.report.skip(SUITE, '1 MB segment: nginx', 'req/s', 'nginx not installed');
        } else {
          [nginxPlaylist, nginxSegment] = await withScratch((nginxDir) =>
            withNginx(nginxDir, async (nginx) => {
              const files = join(nginx.wwwDir, BUCKET, 'ch0');
              mkdirSync(files, { recursive: true });
              writeFileSync(join(files, 'playlist.m3u8'), playlist!);
              writeFileSync(join(files, '1mb.ts'), segment);
              const base = `http://127.0.0.1:${nginx.httpPort}/${BUCKET}`;
              return [
                await measure(ctx, 'live playlist: nginx', `${base}/ch0/playlist.m3u8`, (b) => b.equals(playlist!), playlistBytes, nginx.pid),
                await measure(ctx, '1 MB segment: nginx', `${base}/ch0/1mb.ts`, isSegment, SEGMENT_BYTES, nginx.pid),
              ] as const;
            }),
          );
        }
        ctx.report.ratio(SUITE, 'live playlist: edge / fastify', edgePlaylist, apiPlaylist, '>= 3');
        ctx.report.ratio(SUITE, 'live playlist: edge / nginx', edgePlaylist, nginxPlaylist, '>= 1');
        ctx.report.ratio(SUITE, '1 MB segment: edge / fastify', edgeSegment, apiSegment);
        ctx.report.ratio(SUITE, '1 MB segment: edge / nginx', edgeSegment, nginxSegment);
      } finally {
        stop.abort();
        await publishing.catch(() => undefined);
      }
    }),
  );
}
