import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLoad } from '../loadgen/load-generator.js';
import { cpuSplit } from '../proc-stats.js';
import { livebucketTargets, settle, sleep, withLivebucket, withScratch, type BenchContext } from './context.js';

const SUITE = 'profile';
const TOP = 15;
/** Samples that are not CPU work: the idle loop and mux workers blocked in Atomics.wait for a task. */
const WAITING = /^(\(idle\)|atomicsWaitLoop)( |$)/;

interface CpuProfile {
  nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
}

/** Self samples per function over every thread's .cpuprofile (main thread and mux workers). */
function topFunctions(dir: string): { name: string; share: number }[] {
  const self = new Map<string, number>();
  let total = 0;
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      if (hits === 0) continue;
      const { functionName, url, lineNumber } = node.callFrame;
      const where = url ? `${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
      const name = `${functionName || '(anonymous)'} ${where}`.trim();
      if (WAITING.test(name)) continue;
      self.set(name, (self.get(name) ?? 0) + hits);
      total += hits;
    }
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([name, hits]) => ({ name, share: (hits / Math.max(1, total)) * 100 }));
}

/**
 * Where livebucket's time goes under the K = 200 ingest load: V8 CPU profiles of the server (all threads),
 * top functions by self time. Not part of the default run: profiling slows the server down.
 */
export async function profileSuite(ctx: BenchContext): Promise<void> {
  const k = 200;
  await withScratch(async (dir) => {
    const profiles = join(dir, 'profiles');
    await withLivebucket(
      dir,
      k,
      async (server) => {
        await sleep(300);
        const cpu0 = cpuSplit(server.pid);
        await runLoad({ clip: ctx.chunked, targets: livebucketTargets(server, k), pace: 'fast', loops: 1 });
        await settle(server.pid);
        const cpu1 = cpuSplit(server.pid);
        const user = cpu1.user - cpu0.user;
        const system = cpu1.system - cpu0.system;
        ctx.report.ok(SUITE, `K=${k} server CPU in the kernel`, (system / Math.max(0.01, user + system)) * 100, '% of cpu-s', {
          note: `${user.toFixed(2)} s user, ${system.toFixed(2)} s system`,
        });
        await server.stop();
      },
      ['--cpu-prof', `--cpu-prof-dir=${profiles}`],
    );
    const top = topFunctions(profiles);
    if (top.length === 0) ctx.report.fail(SUITE, `K=${k} cpu profile`, '%', 'no profile written');
    for (const f of top) ctx.report.ok(SUITE, f.name, f.share, '% of busy samples');
  });
}
