import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildServer {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything the child wrote to stdout and stderr so far (capped). */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns a server and resolves once `ready` matches its output, or rejects when it exits first. */
export function spawnServer(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; ready: RegExp | (() => Promise<boolean>); timeoutMs?: number },
): Promise<ChildServer> {
  const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: ChildServer = {
    child,
    pid: child.pid!,
    output: () => text,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command}: not ready within ${options.timeoutMs ?? 30_000} ms:\n${text}`));
    }, options.timeoutMs ?? 30_000);
    let settled = false;
    const ready = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(server);
    };
    const onOutput = (data: Buffer): void => {
      if (text.length < 1 << 20) text += data.toString();
      if (options.ready instanceof RegExp && options.ready.test(text)) ready();
    };
    const probe = options.ready instanceof RegExp ? undefined : options.ready;
    if (probe) {
      const poll = (): void => {
        if (settled || child.exitCode !== null) return;
        probe().then((ok) => (ok ? ready() : setTimeout(poll, 100)), () => setTimeout(poll, 100));
      };
      poll();
    }
    child.stdout!.on('data', onOutput);
    child.stderr!.on('data', onOutput);
    child.once('exit', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before it was ready:\n${text}`));
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
