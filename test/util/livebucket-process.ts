import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

export interface ServerProcess {
  readonly child: ChildProcess;
  /** Everything the process printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly edgePort: number | undefined;
  /** Sends a signal and resolves with the exit code (or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

const READY = /livebucket ready: rtmp:\/\/[^:]+:(\d+) api http:\/\/[^:]+:(\d+) (?:edge http:\/\/[^:]+:(\d+)|edge off)/;

/** Runs `livebucket serve` (the compiled CLI) as a user would, on 127.0.0.1 with free ports. */
export async function startServerProcess(env: Record<string, string>, args: readonly string[] = []): Promise<ServerProcess> {
  const cli = join(process.cwd(), 'dist', 'server', 'cli.js');
  const child = spawn(process.execPath, [cli, 'serve', ...args], {
    env: {
      ...process.env,
      LIVEBUCKET_BIND: '127.0.0.1',
      LIVEBUCKET_RTMP_PORT: '0',
      LIVEBUCKET_HTTP_PORT: '0',
      LIVEBUCKET_EDGE_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 30 s; stderr: ${err}`)), 30_000);
    const check = () => {
      const m = READY.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(([code]) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before ready; stderr: ${err}`));
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    rtmpPort: Number(ready[1]),
    httpPort: Number(ready[2]),
    edgePort: ready[3] === undefined ? undefined : Number(ready[3]),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, sig] = await exited;
      return code ?? sig ?? -1;
    },
  };
}
