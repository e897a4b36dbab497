import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClipOptions {
  /** Seconds of media. */
  readonly seconds: number;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  /** Keyframe interval in frames (fixed GOP, no scene-cut keyframes). */
  readonly gop?: number;
  /** 'aac' (default), 'mp3' or 'none'. */
  readonly audio?: 'aac' | 'mp3' | 'none';
  /** 'h264' (default) or 'flv1' (Sorenson, for refusal tests). */
  readonly video?: 'h264' | 'flv1';
  readonly sampleRate?: number;
  readonly channels?: number;
  /** B-frames in the H.264 stream (composition times != 0). Default 2. */
  readonly bframes?: number;
  /** Target video bitrate, e.g. '1M'. Default: libx264 CRF. */
  readonly videoBitrate?: string;
}

const clipDir = join(tmpdir(), 'livebucket-clips');

/** Makes (once per option set, cached in the temp dir) an FLV test clip with ffmpeg. */
export async function makeClip(options: ClipOptions): Promise<string> {
  const o = {
    width: 640,
    height: 360,
    fps: 30,
    gop: 60,
    audio: 'aac',
    video: 'h264',
    sampleRate: 44100,
    channels: 2,
    bframes: 2,
    videoBitrate: '',
    ...options,
  };
  const name = createHash('sha1').update(JSON.stringify(o)).digest('hex').slice(0, 16) + '.flv';
  const path = join(clipDir, name);
  if (existsSync(path)) return path;
  mkdirSync(clipDir, { recursive: true });
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`];
  if (o.audio !== 'none') {
    args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${o.sampleRate}`);
  }
  args.push('-t', String(o.seconds));
  if (o.video === 'h264') {
    args.push('-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-bf', String(o.bframes));
    args.push('-g', String(o.gop), '-keyint_min', String(o.gop), '-sc_threshold', '0');
    if (o.videoBitrate) args.push('-b:v', o.videoBitrate, '-maxrate', o.videoBitrate, '-bufsize', o.videoBitrate);
  } else {
    args.push('-c:v', 'flv', '-g', String(o.gop));
  }
  if (o.audio === 'aac') args.push('-c:a', 'aac', '-b:a', '128k', '-ac', String(o.channels), '-ar', String(o.sampleRate));
  if (o.audio === 'mp3') args.push('-c:a', 'libmp3lame', '-b:a', '128k', '-ac', String(o.channels), '-ar', String(o.sampleRate));
  const partial = path + '.part.flv';
  args.push('-f', 'flv', partial);
  await run('ffmpeg', args, { maxBuffer: 16 << 20 });
  renameSync(partial, path);
  return path;
}

export interface ProbedPacket {
  readonly stream: 'video' | 'audio';
  /** ms */
  readonly dts: number;
  /** ms */
  readonly pts: number;
  readonly size: number;
  readonly keyframe: boolean;
}

/** Packets of a media file (or URL) as ffprobe reports them, in file order. */
export async function probePackets(input: string): Promise<ProbedPacket[]> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'packet=codec_type,dts_time,pts_time,size,flags', '-of', 'json', input],
    { maxBuffer: 256 << 20 },
  );
  const parsed = JSON.parse(stdout) as {
    packets: { codec_type: string; dts_time?: string; pts_time?: string; size: string; flags: string }[];
  };
  return parsed.packets.map((p) => ({
    stream: p.codec_type === 'video' ? 'video' : 'audio',
    dts: Math.round(Number(p.dts_time ?? p.pts_time) * 1000),
    pts: Math.round(Number(p.pts_time ?? p.dts_time) * 1000),
    size: Number(p.size),
    keyframe: p.flags.includes('K'),
  }));
}

export interface ProbedStream {
  readonly codec_type: string;
  readonly codec_name: string;
  readonly width?: number;
  readonly height?: number;
  readonly sample_rate?: string;
  readonly channels?: number;
  readonly r_frame_rate?: string;
}

export async function probeStreams(input: string): Promise<{ format: string; duration: number; streams: ProbedStream[] }> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'format=format_name,duration:stream', '-of', 'json', input],
    { maxBuffer: 16 << 20 },
  );
  const parsed = JSON.parse(stdout) as { format: { format_name: string; duration?: string }; streams: ProbedStream[] };
  return { format: parsed.format.format_name, duration: Number(parsed.format.duration ?? 'NaN'), streams: parsed.streams };
}

/** Decodes every frame; returns what ffmpeg printed at -v error (empty = clean) and decoded frame counts. */
export async function decode(input: string): Promise<{ errors: string; videoFrames: number; audioFrames: number }> {
  const { stderr } = await run(
    'ffmpeg',
    // Playlists name segments by `.ts`, which the HLS demuxer only opens with allowed_extensions.
    ['-v', 'error', ...(input.endsWith('.m3u8') ? ['-allowed_extensions', 'ALL'] : []), '-i', input, '-f', 'null', '-'],
    { maxBuffer: 64 << 20 },
  ).catch((e: { stderr?: string }) => ({ stderr: e.stderr ?? String(e) }));
  const counts = await run(
    'ffprobe',
    ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,nb_read_frames', '-of', 'json', input],
    { maxBuffer: 16 << 20 },
  );
  const streams = (JSON.parse(counts.stdout) as { streams: { codec_type: string; nb_read_frames?: string }[] }).streams;
  const count = (t: string) => streams.filter((s) => s.codec_type === t).reduce((n, s) => n + Number(s.nb_read_frames ?? 0), 0);
  return { errors: stderr.trim(), videoFrames: count('video'), audioFrames: count('audio') };
}
