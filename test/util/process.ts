import { spawn, type ChildProcess } from 'node:child_process';

export interface Publisher {
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) and everything written to stderr. */
  readonly done: Promise<{ code: number | string; stderr: string }>;
  stop(): void;
}

/** Starts an external publisher (ffmpeg, gst-launch-1.0) and collects its stderr. */
export function startProcess(command: string, args: readonly string[]): Publisher {
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 1 << 20) stderr += s;
  });
  const done = new Promise<{ code: number | string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stderr }));
  });
  return { child, done, stop: () => void child.kill('SIGINT') };
}

/** ffmpeg pushing an FLV file to an RTMP URL, copying the streams. */
export function ffmpegPublish(file: string, url: string, options: { realtime?: boolean } = {}): Publisher {
  const args = ['-v', 'error', '-nostdin'];
  if (options.realtime) args.push('-re');
  args.push('-i', file, '-c', 'copy', '-f', 'flv', url);
  return startProcess('ffmpeg', args);
}

/** GStreamer pushing an FLV file with rtmp2sink (native) or rtmpsink (librtmp, as OBS). */
export function gstPublish(file: string, url: string, sink: 'rtmp2sink' | 'rtmpsink'): Publisher {
  const args = ['-q', 'filesrc', `location=${file}`, '!', 'flvdemux', 'name=d'];
  args.push('flvmux', 'name=m', 'streamable=true', '!', sink, `location=${url}`);
  args.push('d.video', '!', 'queue', '!', 'h264parse', '!', 'm.video');
  args.push('d.audio', '!', 'queue', '!', 'aacparse', '!', 'm.audio');
  return startProcess('gst-launch-1.0', args);
}
