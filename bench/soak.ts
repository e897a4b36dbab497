import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { parseArgs } from 'node:util';
import { makeBenchClip } from './clip.js';
import { chunkClip } from './loadgen/chunked-clip.js';
import { runLoad } from './loadgen/load-generator.js';
import { rssBytes } from './proc-stats.js';
import type { LivebucketServer } from './servers/livebucket.js';
import { BUCKET, livebucketTargets, withLivebucket, withScratch } from './suites/context.js';

/**
 * `npm run soak -- --minutes N --publishers P --viewers V [--sample S]`: P real-time publishers and V HLS
 * viewers on loopback for N minutes against one livebucket process; every S seconds it samples the
 * server's RSS, open file descriptors, threads and main-thread responsiveness (the latency of a trivial
 * API request, which is event-loop lag plus a loopback round trip). Prints the curve and a verdict:
 * flat after warm-up, or growing.
 */
const usage = 'usage: npm run soak -- [--minutes N=1] [--publishers P=100] [--viewers V=200] [--sample S=10]';

interface Sample {
  readonly t: number;
  readonly rssMiB: number;
  readonly fds: number;
  readonly threads: number;
  /** Median and worst of a few trivial API round trips, ms. */
  readonly probeMs: number;
  readonly probeMaxMs: number;
  readonly viewerRequests: number;
  readonly viewerErrors: number;
}

const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;
const threads = (pid: number): number => Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

function get(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function probe(server: LivebucketServer): Promise<{ median: number; max: number }> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    await get(`http://127.0.0.1:${server.httpPort}/`).catch(() => undefined);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { median: times[2]!, max: times[4]! };
}

/** A viewer polls its channel's live playlist on the edge and fetches each new segment once. */
async function viewer(server: LivebucketServer, channel: string, stop: AbortSignal, stats: { requests: number; errors: number }): Promise<void> {
  const base = `http://127.0.0.1:${server.edgePort}/${BUCKET}/${channel}`;
  const fetched = new Set<string>();
  await new Promise((r) => setTimeout(r, Math.random() * 2000));
  while (!stop.aborted) {
    try {
      const playlist = await get(`${base}/playlist.m3u8`);
      stats.requests++;
      if (playlist.status === 200) {
        const uris = playlist.body.toString().split('\n').filter((l) => l.endsWith('.ts'));
        const newest = uris.at(-1);
        if (newest && !fetched.has(newest)) {
          fetched.add(newest);
          const segment = await get(`${base}/${newest}`);
          stats.requests++;
          if (segment.status !== 200) stats.errors++;
        }
      } else if (playlist.status !== 404) {
        stats.errors++;
      }
    } catch {
      stats.errors++;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function verdict(samples: readonly Sample[]): string {
  // Warm-up: the first fifth of the run (at least two samples) fills buffers, pools and caches.
  const warm = Math.max(2, Math.floor(samples.length / 5));
  if (samples.length < warm + 2) return 'too short for a verdict (need more samples after warm-up)';
  const after = samples.slice(warm);
  const first = after[0]!;
  const last = after.at(-1)!;
  const peakRss = Math.max(...after.map((s) => s.rssMiB));
  const rssGrowth = (last.rssMiB - first.rssMiB) / first.rssMiB;
  const fdGrowth = last.fds - first.fds;
  const problems: string[] = [];
  if (rssGrowth > 0.1) problems.push(`RSS grew ${(rssGrowth * 100).toFixed(0)}% after warm-up`);
  if (fdGrowth > 8) problems.push(`open fds grew by ${fdGrowth} after warm-up`);
  if (last.threads > first.threads + 2) problems.push(`threads grew from ${first.threads} to ${last.threads}`);
  return problems.length === 0
    ? `FLAT after warm-up: RSS ${first.rssMiB.toFixed(0)} -> ${last.rssMiB.toFixed(0)} MiB (peak ${peakRss.toFixed(0)}), fds ${first.fds} -> ${last.fds}, threads ${first.threads} -> ${last.threads}`
    : `GROWING: ${problems.join('; ')}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' },
      publishers: { type: 'string' },
      viewers: { type: 'string' },
      sample: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return console.log(usage);
  const minutes = Number(values.minutes ?? '1');
  const publishers = Number(values.publishers ?? '100');
  const viewers = Number(values.viewers ?? '200');
  const sampleS = Number(values.sample ?? '10');
  if (!(minutes > 0 && publishers >= 1 && viewers >= 0 && sampleS > 0)) throw new Error(usage);
  const clip = await makeBenchClip(10);
  const chunked = await chunkClip(clip.path);
  console.log(`soak: ${publishers} real-time publishers (${clip.videoBitrate / 1e6} Mbit/s 720p${clip.fps}), ${viewers} HLS viewers, ${minutes} min, sample every ${sampleS} s`);
  await withScratch((dir) =>
    withLivebucket(dir, publishers, async (server) => {
      const stop = new AbortController();
      const viewerStats = { requests: 0, errors: 0 };
      const load = runLoad({ clip: chunked, targets: livebucketTargets(server, publishers), pace: 'realtime', seconds: minutes * 60, signal: stop.signal });
      const viewing = Promise.all(Array.from({ length: viewers }, (_, i) => viewer(server, `ch${i % publishers}`, stop.signal, viewerStats)));
      const samples: Sample[] = [];
      const t0 = Date.now();
      console.log('   t(s)  RSS(MiB)   fds  threads  probe(ms) median/max  viewer req  viewer err');
      const take = async (): Promise<void> => {
        const p = await probe(server);
        const s: Sample = {
          t: (Date.now() - t0) / 1000,
          rssMiB: rssBytes(server.pid) / 2 ** 20,
          fds: openFds(server.pid),
          threads: threads(server.pid),
          probeMs: p.median,
          probeMaxMs: p.max,
          viewerRequests: viewerStats.requests,
          viewerErrors: viewerStats.errors,
        };
        samples.push(s);
        console.log(
          `${s.t.toFixed(0).padStart(7)} ${s.rssMiB.toFixed(1).padStart(9)} ${String(s.fds).padStart(5)} ${String(s.threads).padStart(8)}` +
            `  ${s.probeMs.toFixed(1).padStart(8)} / ${s.probeMaxMs.toFixed(1).padEnd(8)}  ${String(s.viewerRequests).padStart(10)}  ${String(s.viewerErrors).padStart(10)}`,
        );
      };
      const sampler = setInterval(() => void take(), sampleS * 1000);
      const result = await load.finally(() => clearInterval(sampler));
      stop.abort();
      await viewing;
      await take();
      const failed = result.publishers.filter((p) => p.error !== undefined);
      const stalls = result.publishers.reduce((n, p) => n + p.stalls, 0);
      console.log(`\npublishers: ${result.publishers.length - failed.length}/${result.publishers.length} held to the end, ${stalls} stall ticks, ${(result.bytes / 2 ** 20).toFixed(0)} MiB sent`);
      for (const f of failed.slice(0, 5)) console.log(`  ${f.stream}: ${f.error}`);
      console.log(`viewers: ${viewerStats.requests} requests, ${viewerStats.errors} errors`);
      console.log(`verdict: ${verdict(samples)}`);
      if (failed.length > 0 || verdict(samples).startsWith('GROWING')) process.exitCode = 1;
      // A 30-minute run stores tens of GB of segments: removing them takes a while and is not a hang.
      console.log(`soak: removing ${dir} (${(result.bytes / 2 ** 30).toFixed(0)} GiB of segments)`);
    }),
  );
}

await main();
