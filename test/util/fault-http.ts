import { createHmac } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';

export interface RawHttpResult {
  /** 0 when the server closed the connection without a status line. */
  readonly status: number;
  readonly head: string;
  readonly body: Buffer;
  /** The server closed the connection (rather than the client timing out). */
  readonly closed: boolean;
}

/**
 * Sends bytes exactly as given (no client-side normalisation of paths or headers) and reads until the
 * server closes, a full Content-Length body arrived, or `timeoutMs` passed.
 */
export function rawHttp(port: number, request: string | Buffer, timeoutMs = 10_000): Promise<RawHttpResult> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const head = split < 0 ? all.toString('latin1') : all.subarray(0, split).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      resolve({ status: m ? Number(m[1]) : 0, head, body: split < 0 ? Buffer.alloc(0) : all.subarray(split + 4), closed });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) return;
      const head = all.subarray(0, split).toString('latin1');
      const length = /\r\ncontent-length: *(\d+)/i.exec(head);
      if (length && all.length - split - 4 >= Number(length[1])) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
    socket.write(request);
  });
}

/** `<Code>` of an OSS error body, or undefined. */
export function ossErrorCode(body: Buffer | string): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(body.toString())?.[1];
}

/**
 * An OSS V1 Authorization header value, computed from the documented StringToSign (written out here
 * rather than taken from the server so a server-side signing bug cannot hide itself).
 */
export function v1Authorization(
  key: { id: string; secret: string },
  method: string,
  resource: string,
  date: string,
  contentType = '',
  ossHeaders: Record<string, string> = {},
): string {
  const canonicalHeaders = Object.entries(ossHeaders)
    .map(([n, v]) => [n.toLowerCase(), v.trim()] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([n, v]) => `${n}:${v}\n`)
    .join('');
  const stringToSign = `${method}\n\n${contentType}\n${date}\n${canonicalHeaders}${resource}`;
  return `OSS ${key.id}:${createHmac('sha1', key.secret).update(stringToSign, 'utf8').digest('base64')}`;
}

/** Linux peak RSS of a process, bytes (VmHWM); resetPeakRss starts a new peak (clear_refs 5). Current RSS: bench/proc-stats.ts. */
export function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

export function resetPeakRss(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/** Runs `attack` and fails when process `pid`'s peak RSS rose by more than `bound` bytes meanwhile. */
export async function assertPeakRssGrowth<T>(pid: number, bound: number, attack: () => Promise<T>): Promise<T> {
  resetPeakRss(pid);
  const base = peakRss(pid);
  const result = await attack();
  const grown = peakRss(pid) - base;
  if (grown > bound) throw new Error(`server peak RSS grew by ${(grown / 2 ** 20).toFixed(0)} MiB (bound ${(bound / 2 ** 20).toFixed(0)} MiB)`);
  return result;
}
