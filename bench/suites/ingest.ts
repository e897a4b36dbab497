import { runLoad, type LoadResult } from '../loadgen/load-generator.js';
import type { PublishTarget } from '../loadgen/rtmp-publisher.js';
import { cpuSeconds, selfCpuSeconds } from '../proc-stats.js';
import type { Figure } from '../results.js';
import { nginxAvailable } from '../servers/nginx.js';
import { checkOutput, livebucketSegments, nginxSegments, type ChannelSegments } from '../verify/hls-output.js';
import { createChannels } from '../oss-client.js';
import { apiAccess, BUCKET, FRAG_SECONDS, levelsFlag, livebucketTargets, nginxTargets, settle, sleep, withLivebucket, withNginx, withScratch, type BenchContext } from './context.js';

const SUITE = 'ingest';

interface Measured {
  readonly load: LoadResult;
  readonly serverCpu: number;
  readonly loadgenCpu: number;
}

/**
 * Publishers of the unmeasured warm-up, at most: enough to grow the process-wide buffer pools to their
 * bound (32 MiB of segment buffers, about 32 channels' worth).
 */
const MAX_WARM_UP_PUBLISHERS = 32;

/**
 * Pushes the clip `loops` times per publisher as fast as the server reads, measuring the server's CPU.
 * One loop by up to K publishers on other channels (`warm{i}`) goes first and is not measured: an ingest
 * server runs for months, so the figure is its steady state, not the JIT compiling it, its worker
 * threads starting or its buffer pools growing.
 */
async function measure(ctx: BenchContext, pid: number, targets: PublishTarget[], warmUp: PublishTarget[], loops: number): Promise<Measured> {
  const warm = await runLoad({ clip: ctx.chunked, targets: warmUp, pace: 'fast', loops: 1 });
  const failed = warm.publishers.find((p) => p.error);
  if (failed) throw new Error(`warm-up push to ${failed.stream} failed: ${failed.error}`);
  await settle(pid);
  await sleep(300);
  const cpu0 = cpuSeconds(pid);
  const self0 = selfCpuSeconds();
  const load = await runLoad({ clip: ctx.chunked, targets, pace: 'fast', loops });
  const loadgenCpu = selfCpuSeconds() - self0;
  await settle(pid);
  return { load, serverCpu: cpuSeconds(pid) - cpu0, loadgenCpu };
}

async function figure(
  ctx: BenchContext,
  name: string,
  measured: Measured,
  output: () => Promise<Map<string, ChannelSegments>>,
  scratch: string,
): Promise<Figure> {
  const { load, serverCpu, loadgenCpu } = measured;
  const failed = load.publishers.filter((p) => p.error);
  if (failed.length > 0) return ctx.report.fail(SUITE, name, 'MB/cpu-s', `${failed.length} publishers failed: ${failed[0]!.error}`);
  const check = await checkOutput(await output(), new Map(load.publishers.map((p) => [p.stream, p.videoFrames])), scratch);
  if (!check.ok) return ctx.report.fail(SUITE, name, 'MB/cpu-s', check.note);
  const mb = load.bytes / 1e6;
  return ctx.report.ok(SUITE, name, mb / serverCpu, 'MB/cpu-s', {
    note: `${mb.toFixed(0)} MB in ${serverCpu.toFixed(2)} server cpu-s; loadgen ${((loadgenCpu / serverCpu) * 100).toFixed(0)}% of that; ${check.note}`,
  });
}

/** MB ingested per server CPU-second at K publishers, livebucket (HLS into the embedded store) vs nginx-rtmp. */
export async function ingestSuite(ctx: BenchContext): Promise<void> {
  // Enough bytes per run that the 10 ms CPU clock is a small error, and loops enough per publisher that
  // a publish's own start (its first segments, its buffers) weighs on the figure as little as on a real
  // publish: full runs push at least 40 s of media per publisher (4 loops of the 10 s clip). A quick run
  // at K = 200 pushes one 4 s loop per publisher, which is mostly start: more would not fit in 3 minutes.
  const loopsFor = (k: number): number =>
    Math.max(ctx.quick ? 1 : 4, Math.ceil((ctx.quick ? 150e6 : 400e6) / (k * ctx.chunked.loop.bytes.length)));
  const runs = levelsFlag(ctx, 'ingest', [1, 16, 200]).map((k) => [k, loopsFor(k)] as const);
  for (const [k, loops] of runs) {
    const ours = await withScratch((dir) =>
      withLivebucket(dir, k, async (server) => {
        const warm = Math.min(k, MAX_WARM_UP_PUBLISHERS);
        await createChannels(apiAccess(server), BUCKET, 'warm', 0, warm, FRAG_SECONDS);
        const warmUp = livebucketTargets(server, warm, 'warm');
        const measured = await measure(ctx, server.pid, livebucketTargets(server, k), warmUp, loops);
        await server.stop();
        const channels = Array.from({ length: k }, (_, i) => `ch${i}`);
        return figure(ctx, `livebucket K=${k}`, measured, () => livebucketSegments(server.dataDir, BUCKET, channels), dir);
      }),
    );
    let theirs: Figure;
    if (!nginxAvailable()) {
      theirs = ctx.report.skip(SUITE, `nginx-rtmp K=${k}`, 'MB/cpu-s', 'nginx with libnginx-mod-rtmp not installed');
    } else {
      theirs = await withScratch((dir) =>
        withNginx(dir, async (server) => {
          const measured = await measure(ctx, server.pid, nginxTargets(server, k), nginxTargets(server, Math.min(k, MAX_WARM_UP_PUBLISHERS), 'warm'), loops);
          await server.stop();
          const streams = Array.from({ length: k }, (_, i) => `ch${i}`);
          return figure(ctx, `nginx-rtmp K=${k}`, measured, async () => nginxSegments(server.hlsDir, streams), dir);
        }),
      );
    }
    ctx.report.ratio(SUITE, `livebucket / nginx-rtmp K=${k}`, ours, theirs, k >= 16 ? '>= 2' : undefined);
  }
}
