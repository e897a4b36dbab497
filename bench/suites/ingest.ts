import { execFileSync } from 'node:child_process';
import { runLoad, type LoadResult } from '../loadgen/load-generator.js';
import type { PublishTarget } from '../loadgen/rtmp-publisher.js';
import { cpuSeconds, selfCpuSeconds } from '../proc-stats.js';
import type { Figure } from '../results.js';
import { nginxAvailable } from '../servers/nginx.js';
import { checkOutput, livebucketSegments, nginxSegments, type ChannelSegments } from '../verify/hls-output.js';
import { createChannels } from '../oss-client.js';
import { apiAccess, BUCKET, FRAG_SECONDS, levelsFlag, livebucketTargets, nginxTargets, settle, sleep, withLivebucket, withNginx, withScratch, type BenchContext } from './context.js';

const SUITE = 'ingest';
/** Pushes before the measured one; the first is the fresh-process figure. */
const WARM_PUSHES = 3;

interface Measured {
  readonly load: LoadResult;
  readonly serverCpu: number;
  readonly loadgenCpu: number;
  /** The same push to other channels of the fresh server, just before. */
  readonly fresh: { readonly load: LoadResult; readonly serverCpu: number };
}

/**
 * Pushes the clip `loops` times per publisher as fast as the server reads, on a fresh server, measuring the
 * server's CPU. First to K other channels (`warm{i}`): the fresh process's figure, which includes its JIT
 * compiling, its worker threads starting and its pools, heaps and allocator arenas growing to their working
 * size (livebucket's take about 150 MB of traffic to stop growing). The same push to those channels then goes
 * WARM_PUSHES - 1 more times, unmeasured: V8 compiles code that runs once per connection (socket set-up,
 * publish, unpublish) only after a few hundred connections, and with one warm push TurboFan still took 12-17 %
 * of livebucket's CPU during the measured push at K = 200. Then to the K measured channels: an ingest server
 * runs for months, so the headline figure is this steady state.
 */
async function measure(ctx: BenchContext, pid: number, targets: PublishTarget[], warmUp: PublishTarget[], loops: number): Promise<Measured> {
  const fresh0 = cpuSeconds(pid);
  const warm = await warmUpPush(ctx, warmUp, loops);
  await settle(pid);
  const fresh = { load: warm, serverCpu: cpuSeconds(pid) - fresh0 };
  for (let i = 1; i < WARM_PUSHES; i++) {
    await warmUpPush(ctx, warmUp, loops);
    await settle(pid);
  }
  // The warm-up's hundreds of megabytes of segments would otherwise be written back during the measured push;
  // nginx, which writes each frame as it comes, lost 4-13 % to that (medians of 5 at K = 200 and 16).
  execFileSync('sync');
  await sleep(300);
  const cpu0 = cpuSeconds(pid);
  const self0 = selfCpuSeconds();
  const load = await runLoad({ clip: ctx.chunked, targets, pace: 'fast', loops });
  const loadgenCpu = selfCpuSeconds() - self0;
  await settle(pid);
  return { load, serverCpu: cpuSeconds(pid) - cpu0, loadgenCpu, fresh };
}

/** A push to the warm-up channels; a publisher failing there means the server cannot be measured. */
async function warmUpPush(ctx: BenchContext, warmUp: PublishTarget[], loops: number): Promise<LoadResult> {
  const load = await runLoad({ clip: ctx.chunked, targets: warmUp, pace: 'fast', loops });
  const failed = load.publishers.find((p) => p.error);
  if (failed) throw new Error(`warm-up push to ${failed.stream} failed: ${failed.error}`);
  return load;
}

/** The fresh process's push: its publishers all finished; its output is not decoded (the steady run's is). */
function freshFigure(ctx: BenchContext, name: string, measured: Measured): Figure {
  const { load, serverCpu } = measured.fresh;
  const mb = load.bytes / 1e6;
  return ctx.report.ok(SUITE, `${name}, fresh process`, mb / serverCpu, 'MB/cpu-s', {
    note: `the same push to other channels just before, on the fresh server: ${mb.toFixed(0)} MB in ${serverCpu.toFixed(2)} server cpu-s`,
  });
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
  // A quick run decodes 40 s of media per figure: 80 s for each of six figures would not fit in 3 minutes.
  const decoded = ctx.quick ? 20 : undefined;
  const check = await checkOutput(await output(), new Map(load.publishers.map((p) => [p.stream, p.videoFrames])), scratch, decoded);
  if (!check.ok) return ctx.report.fail(SUITE, name, 'MB/cpu-s', check.note);
  const mb = load.bytes / 1e6;
  return ctx.report.ok(SUITE, name, mb / serverCpu, 'MB/cpu-s', {
    note: `${mb.toFixed(0)} MB in ${serverCpu.toFixed(2)} server cpu-s; loadgen ${((loadgenCpu / serverCpu) * 100).toFixed(0)}% of that; ${check.note}`,
  });
}

/** A level that could not be measured (a publish refused, a server that did not start) is that figure's FAIL, not the suite's. */
async function failedAs(ctx: BenchContext, name: string, run: () => Promise<Figure>): Promise<Figure> {
  try {
    return await run();
  } catch (error) {
    return ctx.report.fail(SUITE, name, 'MB/cpu-s', (error as Error).message.split('\n')[0]!);
  }
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
    let oursFresh: Figure | undefined;
    let theirsFresh: Figure | undefined;
    const ours = await failedAs(ctx, `livebucket K=${k}`, () =>
      withScratch((dir) =>
        withLivebucket(dir, k, async (server) => {
          await createChannels(apiAccess(server), BUCKET, 'warm', 0, k, FRAG_SECONDS);
          const measured = await measure(ctx, server.pid, livebucketTargets(server, k), livebucketTargets(server, k, 'warm'), loops);
          await server.stop();
          oursFresh = freshFigure(ctx, `livebucket K=${k}`, measured);
          const channels = Array.from({ length: k }, (_, i) => `ch${i}`);
          return figure(ctx, `livebucket K=${k}`, measured, () => livebucketSegments(server.dataDir, BUCKET, channels), dir);
        }),
      ),
    );
    let theirs: Figure;
    if (!nginxAvailable()) {
      theirs = ctx.report.skip(SUITE, `nginx-rtmp K=${k}`, 'MB/cpu-s', 'nginx with libnginx-mod-rtmp not installed');
    } else {
      theirs = await failedAs(ctx, `nginx-rtmp K=${k}`, () =>
        withScratch((dir) =>
          withNginx(dir, async (server) => {
            const measured = await measure(ctx, server.pid, nginxTargets(server, k), nginxTargets(server, k, 'warm'), loops);
            await server.stop();
            theirsFresh = freshFigure(ctx, `nginx-rtmp K=${k}`, measured);
            const streams = Array.from({ length: k }, (_, i) => `ch${i}`);
            return figure(ctx, `nginx-rtmp K=${k}`, measured, async () => nginxSegments(server.hlsDir, streams), dir);
          }),
        ),
      );
    }
    ctx.report.ratio(SUITE, `livebucket / nginx-rtmp K=${k}`, ours, theirs, k >= 16 ? '>= 2' : undefined);
    ctx.report.ratio(SUITE, `livebucket / nginx-rtmp K=${k}, fresh process`, oursFresh, theirsFresh);
  }
}
