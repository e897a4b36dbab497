import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** A server held to a share of one core of its own by a CPU quota; `release` lifts it. */
export interface CpuCap {
  release(): void;
}

/**
 * A short period keeps the quota smooth: with the default 100 ms a capped server answers in bursts and
 * sits out the rest of each period, which is not how a busy server behaves.
 */
const PERIOD_US = 10_000;
const V1_ROOT = '/sys/fs/cgroup/cpu';
const V2_ROOT = '/sys/fs/cgroup';

let serial = 0;

/** The cgroup file system layout this machine has, or undefined when neither has a CPU controller. */
function hierarchy(): { root: string; v2: boolean } | undefined {
  if (existsSync(join(V1_ROOT, 'cpu.cfs_quota_us'))) return { root: V1_ROOT, v2: false };
  const controllers = join(V2_ROOT, 'cgroup.controllers');
  if (existsSync(controllers) && readFileSync(controllers, 'utf8').split(/\s+/).includes('cpu')) return { root: V2_ROOT, v2: true };
  return undefined;
}

/** Every thread of `pid` (this process when 0) may run on `cpus` only, e.g. '1' or '0-3'. */
function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', cpus, String(pid || process.pid)], { stdio: 'ignore' });
}

/**
 * Moves every thread of `pid` into a fresh cgroup allowed `cores` of CPU time (cgroup v1 CFS quota or
 * v2 cpu.max) and, on a machine with two cores or more, pins it to the last core and this process (the
 * client) to the others: two processes migrating between two shared cores swung single runs by a
 * quarter. Returns why not when this machine or user cannot (no CPU controller, not root).
 */
export function capCpu(pid: number, cores: number): CpuCap | string {
  const found = hierarchy();
  if (!found) return 'no cgroup CPU controller';
  const { root, v2 } = found;
  const dir = join(root, `livebucket-bench-${process.pid}-${++serial}`);
  const quota = String(Math.round(cores * PERIOD_US));
  const last = availableParallelism() - 1;
  // Each step undoes one thing capCpu did, if it got that far; a process that has exited left its cgroup.
  const undo = [
    (): void => writeFileSync(join(root, 'cgroup.procs'), String(pid)),
    (): void => pin(pid, `0-${last}`),
    (): void => pin(0, `0-${last}`),
    (): void => rmdirSync(dir),
  ];
  const release = (): void => {
    for (const step of undo) {
      try {
        step();
      } catch {
        // Not done, or nothing left to undo.
      }
    }
  };
  try {
    if (v2) writeFileSync(join(root, 'cgroup.subtree_control'), '+cpu');
    mkdirSync(dir);
    if (v2) {
      writeFileSync(join(dir, 'cpu.max'), `${quota} ${PERIOD_US}`);
    } else {
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), quota);
    }
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    if (last > 0) {
      pin(pid, String(last));
      pin(0, last > 1 ? `0-${last - 1}` : '0');
    }
  } catch (error) {
    release();
    return `cannot hold the server to ${cores} core through ${root}: ${(error as Error).message}`;
  }
  return { release };
}
