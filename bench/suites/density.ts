import { EventsClient } from '../events-client.js';
import { runLoad } from '../loadgen/load-generator.js';
import { createChannels } from '../oss-client.js';
import { rssBytes } from '../proc-stats.js';
import type { LivebucketServer } from '../servers/livebucket.js';
import { checkOutput, livebucketSegments } from '../verify/hls-output.js';
import {
  BUCKET,
  FRAG_SECONDS,
  apiAccess,
  livebucketTargets,
  percentile,
  settle,
  sleep,
  withLivebucket,
  levelsFlag,
  withScratch,
  type BenchContext,
} from './context.js';

const SUITE = 'density';
/** A segment is late when its playlist was stored more than this after its closing keyframe arrived. */
const LATE_MS = 500;

interface DensityRun {
  readonly k: number;
  readonly held: boolean;
  readonly why: string;
  /** Late segments of the cold server's warm-up push (not part of the verdict). */
  readonly coldStart: string;
  readonly latencies: number[];
  readonly rssPerLive: number;
}

/**
 * RSS growth per created-but-idle channel: a warm-up batch, then `rounds` batches of `n`, VmRSS read a
 * second after each; the figure is the least-squares slope over all of them. What a channel keeps is
 * small (a full GC in-process: ~0.1 KB of heap and ~0.1 KB of SQLite per channel), while the API
 * requests that create them grow and shrink V8's heap by 10 to 20 MB in cycles: one batch's difference
 * gave 2.8 KB at 600 channels, 5.5 at 2000, 0 at 8000, and a slope over 3 batches of 2000 3.7 to 4.6
 * KB (the rising half of one cycle). Over 8 batches the cycles average out.
 */
async function idleChannelRss(server: LivebucketServer, n: number, rounds: number): Promise<number> {
  await createChannels(apiAccess(server), BUCKET, 'idle', 0, n, FRAG_SECONDS);
  const points: [number, number][] = [];
  for (let round = 0; round <= rounds; round++) {
    if (round > 0) await createChannels(apiAccess(server), BUCKET, 'idle', round * n, (round + 1) * n, FRAG_SECONDS);
    await sleep(1000);
    points.push([round * n, rssBytes(server.pid)]);
  }
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  const covariance = points.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const variance = points.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return covariance / variance;
}

async function densityRun(ctx: BenchContext, k: number, seconds: number, idle: boolean): Promise<DensityRun & { idleRss?: number }> {
  return withScratch((dir) =>
    withLivebucket(dir, k, async (server) => {
      const idleRss = idle ? await idleChannelRss(server, ctx.quick ? 2000 : 4000, 8) : undefined;
      await sleep(500);
      // Before the warm-up, so what the warm-up leaves behind (pools, JIT code) counts against live channels.
      const rssBefore = rssBytes(server.pid);
      const coldStart = await warmUp(server, k, ctx.quick ? 4 : 10, ctx);
      const events = await EventsClient.connect(server.edgePort, `/events?bucket=${BUCKET}`);
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssBytes(server.pid))), 1000);
      const load = await runLoad({ clip: ctx.chunked, targets: livebucketTargets(server, k), pace: 'realtime', seconds, staggerMs: FRAG_SECONDS * 1000 });
      clearInterval(sampler);
      await settle(server.pid);
      await sleep(500);
      events.close();
      await server.stop();
      const segments = events.events.filter((e) => e.type === 'segment');
      const latencies = segments.map((e) => Number(e.latencyMs));
      const late = latencies.filter((l) => l > LATE_MS).length;
      const dropped = events.events.filter((e) => e.type === 'framesDropped').reduce((n, e) => n + Number(e.count), 0);
      const storageErrors = events.events.filter((e) => e.type === 'storageError').length;
      const stalls = load.publishers.reduce((n, p) => n + p.stalls, 0);
      const errors = load.publishers.filter((p) => p.error);
      const channels = load.publishers.map((p) => p.stream);
      const output = await livebucketSegments(server.dataDir, BUCKET, channels);
      const stored = [...output.values()].reduce((n, s) => n + s.length, 0);
      const check = await checkOutput(output, new Map(load.publishers.map((p) => [p.stream, p.videoFrames])), dir);
      const problems = [
        errors.length > 0 ? `${errors.length} publishers failed (${errors[0]!.error})` : '',
        stalls > 0 ? `${stalls} publisher stalls (server back-pressure)` : '',
        dropped > 0 ? `${dropped} frames dropped by the server` : '',
        storageErrors > 0 ? `${storageErrors} storage errors` : '',
        late > 0 ? `${late}/${latencies.length} segments late (max ${Math.max(...latencies).toFixed(0)} ms)` : '',
        segments.length !== stored ? `${segments.length} segment events for ${stored} stored segments` : '',
        check.ok ? '' : check.note,
      ].filter((p) => p !== '');
      const result = {
        k,
        coldStart,
        held: problems.length === 0,
        why: problems.join('; ') || `${latencies.length} segments on time; ${check.note}`,
        latencies,
        rssPerLive: (rssPeak - rssBefore) / k,
        idleRss,
      };
      console.log(JSON.stringify({ suite: SUITE, run: k, held: result.held, why: result.why }));
      if (!result.held) console.log(server.output().split('\n').slice(-15).join('\n'));
      return result;
    }),
  );
}

/**
 * K publishers on other channels (`warm{i}`) for `seconds` before the measured run: the figure is what a
 * running server holds, not how a cold one (JIT, WASM tiers, empty pools) copes with K encoders connecting
 * at once, which is reported beside it. Resolves to that cold start's late segments, as text.
 */
async function warmUp(server: LivebucketServer, k: number, seconds: number, ctx: BenchContext): Promise<string> {
  await createChannels(apiAccess(server), BUCKET, 'warm', 0, k, FRAG_SECONDS);
  const events = await EventsClient.connect(server.edgePort, `/events?bucket=${BUCKET}`);
  await runLoad({ clip: ctx.chunked, targets: livebucketTargets(server, k, 'warm'), pace: 'realtime', seconds, staggerMs: FRAG_SECONDS * 1000 });
  await settle(server.pid);
  events.close();
  const latencies = events.events.filter((e) => e.type === 'segment').map((e) => Number(e.latencyMs));
  const late = latencies.filter((l) => l > LATE_MS);
  return `cold start: ${late.length}/${latencies.length} segments late${late.length > 0 ? ` (max ${Math.max(...late).toFixed(0)} ms)` : ''}`;
}

/**
 * The largest K of real-time 2.5 Mbit/s publishers held for the run with no segment late, every frame
 * stored and decodable; latency and memory figures come from the largest K held (else the first run).
 */
export async function densitySuite(ctx: BenchContext): Promise<void> {
  const seconds = ctx.quick ? 10 : 60;
  // Quick: the target level only (its time went to longer ingest runs).
  const levels = levelsFlag(ctx, 'density', ctx.quick ? [200] : [50, 100, 200, 300, 400]);
  let best: DensityRun | undefined;
  let first: (DensityRun & { idleRss?: number }) | undefined;
  let failure = '';
  for (const k of levels) {
    const run = await densityRun(ctx, k, seconds, first === undefined);
    first ??= run;
    if (!run.held) {
      failure = `K=${k}: ${run.why}`;
      break;
    }
    best = run;
  }
  const r = ctx.report;
  if (best) {
    const tried = failure ? `next level failed: ${failure}` : `tried up to ${levels[levels.length - 1]}`;
    r.ok(SUITE, `max real-time publishers held ${seconds} s`, best.k, 'channels', { target: '>= 200', note: `${tried}; at K=${best.k} ${best.coldStart}` });
  }
  else r.fail(SUITE, `max real-time publishers held ${seconds} s`, 'channels', failure);
  const basis = best ?? first!;
  const checked = best !== undefined;
  const mark = (name: string, value: number, unit: string, target?: string): void => {
    if (checked) r.ok(SUITE, `${name} at K=${basis.k}`, value, unit, { target });
    else r.fail(SUITE, `${name} at K=${basis.k}`, unit, 'run did not hold');
  };
  mark('segment-to-playlist latency p50', percentile(basis.latencies, 50), 'ms');
  mark('segment-to-playlist latency p99', percentile(basis.latencies, 99), 'ms', `<= ${LATE_MS}`);
  mark('RSS per live channel', basis.rssPerLive / 1e6, 'MB', '<= 2');
  if (first?.idleRss !== undefined) r.ok(SUITE, 'RSS per idle channel', first.idleRss / 1024, 'KB', { target: '<= 4' });
}
