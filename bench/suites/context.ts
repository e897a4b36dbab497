import { mkdtempSync, readdirSync, rmSync, truncateSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBenchClip, type BenchClip } from '../clip.js';
import { chunkClip, type ChunkedClip } from '../loadgen/chunked-clip.js';
import type { PublishTarget } from '../loadgen/rtmp-publisher.js';
import { createChannels, createPublicBucket, type ApiAccess } from '../oss-client.js';
import { cpuSeconds, waitsOnIo } from '../proc-stats.js';
import type { Report } from '../results.js';
import { BENCH_KEY, startLivebucketServer, type LivebucketServer } from '../servers/livebucket.js';
import { startNginx, type NginxServer } from '../servers/nginx.js';

export const BUCKET = 'bench';
/** FragDuration of the bench's channels and nginx's hls_fragment; the clip has a keyframe every 2 s. */
export const FRAG_SECONDS = 2;

export interface BenchContext {
  readonly quick: boolean;
  /** `--name=value` flags, e.g. `--density=100,200`. */
  readonly flags: ReadonlyMap<string, string>;
  readonly report: Report;
  readonly clip: BenchClip;
  readonly chunked: ChunkedClip;
}

export async function createContext(quick: boolean, flags: ReadonlyMap<string, string>, report: Report): Promise<BenchContext> {
  const clip = await makeBenchClip(quick ? 4 : 10);
  return { quick, flags, report, clip, chunked: await chunkClip(clip.path) };
}

/** A comma-separated list of integers from a flag, or the default. */
export function levelsFlag(ctx: BenchContext, name: string, fallback: number[]): number[] {
  const value = ctx.flags.get(name);
  return value ? value.split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0) : fallback;
}

/** Scratch dirs of this run, for removeScratch. */
const scratchDirs: string[] = [];

/**
 * Runs `body` with a scratch dir. Its files are emptied afterwards and removed only when the whole run
 * ends (removeScratch). On ext4 without a journal (this VM) each file created in the next 60 to 300 s
 * scans past every inode a removal freed, so removing a level's gigabytes of segments charged the next
 * measurement for them (an eighth of a server's CPU at K = 200, whichever server came next). Emptying
 * keeps the inodes but drops the data, so that gigabytes of finished levels are not written back to the
 * disk under the next one (write-back throttling stalled a server for tens of seconds).
 */
export async function withScratch<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'livebucket-bench-'));
  scratchDirs.push(dir);
  try {
    return await body(dir);
  } finally {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[]) {
      if (entry.isFile()) truncateSync(join(entry.path, entry.name));
    }
  }
}

export function removeScratch(): void {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export const apiAccess = (server: LivebucketServer): ApiAccess => ({
  port: server.httpPort,
  accessKeyId: BENCH_KEY.id,
  accessKeySecret: BENCH_KEY.secret,
});

/** A livebucket child with the bench bucket (public-read-write) and `channels` channels `ch{i}`. */
export async function withLivebucket<T>(
  dir: string,
  channels: number,
  body: (server: LivebucketServer) => Promise<T>,
  nodeArgs: readonly string[] = [],
): Promise<T> {
  const server = await startLivebucketServer(dir, {}, nodeArgs);
  try {
    await createPublicBucket(apiAccess(server), BUCKET);
    await createChannels(apiAccess(server), BUCKET, 'ch', 0, channels, FRAG_SECONDS);
    return await body(server);
  } finally {
    await server.stop();
  }
}

export async function withNginx<T>(dir: string, body: (server: NginxServer) => Promise<T>): Promise<T> {
  const server = await startNginx(dir, FRAG_SECONDS);
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

export const livebucketTargets = (server: LivebucketServer, k: number, prefix = 'ch'): PublishTarget[] =>
  Array.from({ length: k }, (_, i) => ({ host: '127.0.0.1', port: server.rtmpPort, app: `${BUCKET}/live`, stream: `${prefix}${i}` }));

export const nginxTargets = (server: NginxServer, k: number, prefix = 'ch'): PublishTarget[] =>
  Array.from({ length: k }, (_, i) => ({ host: '127.0.0.1', port: server.rtmpPort, app: 'live', stream: `${prefix}${i}` }));

/**
 * Waits until the process stops using CPU and none of its threads waits on I/O (its last segments
 * written), at most `maxMs`.
 */
export async function settle(pid: number, maxMs = 60_000): Promise<void> {
  const start = Date.now();
  let last = cpuSeconds(pid);
  let quiet = 0;
  while (Date.now() - start < maxMs && quiet < 3) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = cpuSeconds(pid);
    quiet = now - last <= 0.01 && !waitsOnIo(pid) ? quiet + 1 : 0;
    last = now;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
