import type OSS from 'ali-oss';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ossClient } from './api-client.js';
import { parsePlaylist, type ParsedPlaylist } from './hls-playlist.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { checkTs } from './ts-checker.js';
import { startServerProcess, type ServerProcess } from './livebucket-process.js';

export const FAULT_KEY = { id: 'LTAIfaultkey', secret: 'fault-secret-0123456789' } as const;
export const FAULT_BUCKET = 'faults';

export interface FaultServer {
  readonly dir: string;
  process: ServerProcess;
  /** ali-oss client on the current process, for the fault bucket. */
  oss(): OSS;
  /** Unsigned publish URL (the bucket is public-read-write). */
  rtmpUrl(channel: string): string;
  /** Playlist text through the API, or undefined when there is none (yet). */
  playlist(channel: string): Promise<string | undefined>;
  /** Segment URL through the API (the bucket is public, so no signature needed). */
  objectUrl(key: string): string;
  /** Restarts on the same data dir (after a kill or a stop). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real CLI process on a temp data dir with a known root key and a public-read-write bucket whose
 * channels are created up front, so fault tests can push with ffmpeg and read results with plain GETs.
 */
export async function startFaultServer(options: {
  channels: readonly string[];
  fragDuration?: number;
  fragCount?: number;
  env?: Record<string, string>;
}): Promise<FaultServer> {
  const dir = mkdtempSync(join(tmpdir(), 'livebucket-faults-'));
  const env = {
    LIVEBUCKET_DATA: dir,
    LIVEBUCKET_MUX: 'inline',
    LIVEBUCKET_ACCESS_KEY_ID: FAULT_KEY.id,
    LIVEBUCKET_ACCESS_KEY_SECRET: FAULT_KEY.secret,
    LIVEBUCKET_DEFAULT_BUCKET: FAULT_BUCKET,
    ...options.env,
  };
  let process = await startServerProcess(env);
  const oss = (): OSS => ossClient(process.httpPort, FAULT_BUCKET, { accessKeyId: FAULT_KEY.id, secret: FAULT_KEY.secret });
  try {
    await oss().putBucketACL(FAULT_BUCKET, 'public-read-write');
    for (const channel of options.channels) {
      await oss().putChannel(channel, {
        Description: 'fault test',
        Status: 'enabled',
        Target: { Type: 'HLS', FragDuration: options.fragDuration ?? 1, FragCount: options.fragCount ?? 100, PlaylistName: 'playlist.m3u8' },
      });
    }
  } catch (error) {
    await process.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const server: FaultServer = {
    dir,
    get process() {
      return process;
    },
    set process(p: ServerProcess) {
      process = p;
    },
    oss,
    rtmpUrl: (channel) => `rtmp://127.0.0.1:${process.rtmpPort}/${FAULT_BUCKET}/live/${channel}`,
    async playlist(channel) {
      const r = await fetch(`http://127.0.0.1:${process.httpPort}/${FAULT_BUCKET}/${channel}/playlist.m3u8`);
      return r.status === 200 ? r.text() : undefined;
    },
    objectUrl: (key) => `http://127.0.0.1:${process.httpPort}/${FAULT_BUCKET}/${key}`,
    async restart() {
      if (process.child.exitCode === null && process.child.signalCode === null) await process.stop('SIGKILL');
      process = await startServerProcess(env);
    },
    async close() {
      await process.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

const run = promisify(execFile);

/**
 * Decodes one TS segment (file or URL): ffmpeg's error output (empty = clean) and decoded frame counts.
 * (test/util/media.ts decode() passes the HLS-only -allowed_extensions option, which ffmpeg refuses for a
 * plain .ts input.)
 */
export async function decodeSegment(input: string): Promise<{ errors: string; videoFrames: number; audioFrames: number }> {
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', input, '-f', 'null', '-'], { maxBuffer: 16 << 20 }).catch(
    (e: { stderr?: string }) => ({ stderr: e.stderr ?? String(e) }),
  );
  const counts = await run('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,nb_read_frames', '-of', 'json', input], {
    maxBuffer: 16 << 20,
  });
  const streams = (JSON.parse(counts.stdout) as { streams: { codec_type: string; nb_read_frames?: string }[] }).streams;
  const count = (t: string): number => streams.filter((x) => x.codec_type === t).reduce((n, x) => n + Number(x.nb_read_frames ?? 0), 0);
  return { errors: stderr.trim(), videoFrames: count('video'), audioFrames: count('audio') };
}

/** Waits until the channel has a publisher. */
export async function waitChannelLive(server: FaultServer, channel: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = (await server.oss().getChannelStatus(channel)) as { data: { Status: string } };
    if (r.data.Status === 'Live') return;
    if (Date.now() > deadline) throw new Error(`channel ${channel} not live after ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * Waits until the channel has no publisher. With `pushStartedAt` (epoch ms, after any earlier push on the
 * channel ended), also until that push is in the history: the channel turns Idle (and takes a new push)
 * as soon as the publisher goes, and the push's record appears, closed, once its last segment and playlist
 * are written, which is what a check of the output needs.
 */
export async function waitChannelIdle(server: FaultServer, channel: string, pushStartedAt?: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // History times have whole seconds.
  const since = pushStartedAt === undefined ? undefined : Math.floor(pushStartedAt / 1000) * 1000;
  for (;;) {
    const r = (await server.oss().getChannelStatus(channel)) as { data: { Status: string } };
    if (r.data.Status === 'Idle') {
      if (since === undefined) return;
      const history = (await server.oss().getChannelHistory(channel)) as { records: { EndTime?: string }[] };
      if (history.records.some((record) => record.EndTime && Date.parse(record.EndTime) >= since)) return;
    }
    if (Date.now() > deadline) throw new Error(`channel ${channel} still live after ${timeoutMs} ms`);
    await sleep(200);
  }
}

export interface ChannelCheck {
  readonly playlist: ParsedPlaylist | undefined;
  readonly videoFrames: number;
  readonly audioFrames: number;
  /** Every way a listed segment is not complete and decodable; empty = good. */
  readonly problems: string[];
}

/**
 * Fetches the channel's playlist and every segment it names: each must exist and be clean MPEG-TS (the
 * independent checker), EXTINF must stay within the target duration, and the listed segments in order
 * must decode without an ffmpeg error.
 */
export async function checkChannel(server: FaultServer, channel: string): Promise<ChannelCheck> {
  const text = await server.playlist(channel);
  if (text === undefined) return { playlist: undefined, videoFrames: 0, audioFrames: 0, problems: [] };
  const problems: string[] = [];
  let playlist: ParsedPlaylist;
  try {
    playlist = parsePlaylist(text);
  } catch (error) {
    return { playlist: undefined, videoFrames: 0, audioFrames: 0, problems: [`${channel}: bad playlist: ${String(error)}`] };
  }
  const bodies: Uint8Array[] = [];
  for (const segment of playlist.segments) {
    const r = await fetch(server.objectUrl(`${channel}/${segment.uri}`));
    if (r.status !== 200) {
      problems.push(`${channel}/${segment.uri}: HTTP ${r.status}`);
      continue;
    }
    const body = new Uint8Array(await r.arrayBuffer());
    const ts = checkTs(body);
    if (ts.errors.length > 0) problems.push(`${channel}/${segment.uri}: ${ts.errors.slice(0, 3).join('; ')}`);
    if (segment.durationMs > playlist.targetDuration * 1000 + 500) {
      problems.push(`${channel}/${segment.uri}: EXTINF ${segment.durationMs} ms over target ${playlist.targetDuration} s`);
    }
    bodies.push(body);
  }
  // Decoded in order as one stream, as a player does: a segment cut mid-GOP (forced or at a timestamp
  // jump) legitimately needs the frames before it.
  const scratch = mkdtempSync(join(tmpdir(), 'livebucket-faults-decode-'));
  let videoFrames = 0;
  let audioFrames = 0;
  try {
    const file = join(scratch, 'all.ts');
    writeFileSync(file, Buffer.concat(bodies));
    const decoded = bodies.length > 0 ? await decodeSegment(file) : { errors: '', videoFrames: 0, audioFrames: 0 };
    if (decoded.errors !== '') problems.push(`${channel}: ffmpeg: ${decoded.errors.split('\n').slice(0, 4).join('; ')}`);
    videoFrames = decoded.videoFrames;
    audioFrames = decoded.audioFrames;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return { playlist, videoFrames, audioFrames, problems };
}
