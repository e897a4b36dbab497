import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface BenchClip {
  readonly path: string;
  readonly seconds: number;
  readonly fps: number;
  /** Keyframe interval, frames. */
  readonly gop: number;
  /** Video bits per second the encoder was held to. */
  readonly videoBitrate: number;
}

/**
 * The publishers' clip, made once by ffmpeg and cached in the temp dir: 720p30 H.264 at a constant
 * 2.4 Mbit/s (noise keeps the encoder from undershooting) plus 128 kbit/s AAC, i.e. ~2.5 Mbit/s,
 * a keyframe every 2 s, two B-frames like a typical encoder preset.
 */
export async function makeBenchClip(seconds = 10): Promise<BenchClip> {
  const fps = 30;
  const gop = 60;
  const videoBitrate = 2_400_000;
  const dir = join(tmpdir(), 'livebucket-bench');
  const path = join(dir, `clip-720p30-2500k-${seconds}s.flv`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const partial = path + '.part.flv';
    await run(
      'ffmpeg',
      [
        '-v', 'error', '-y', '-nostdin',
        '-f', 'lavfi', '-i', `testsrc2=size=1280x720:rate=${fps},noise=alls=12:allf=t`,
        '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
        '-t', String(seconds),
        '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-bf', '2',
        '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
        '-b:v', String(videoBitrate), '-maxrate', String(videoBitrate), '-bufsize', String(videoBitrate),
        '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '44100',
        '-f', 'flv', partial,
      ],
      { maxBuffer: 16 << 20 },
    );
    renameSync(partial, path);
  }
  return { path, seconds, fps, gop, videoBitrate };
}
