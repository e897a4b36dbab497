import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** One JSON event from the edge's `/events` socket. */
export type EdgeEvent = { readonly type: string } & Record<string, unknown>;

/**
 * A minimal WebSocket client for the edge's `/events` (text frames from the server, pings answered):
 * Node 20 has no WebSocket without a flag, and the bench must not depend on one.
 */
export class EventsClient {
  readonly events: EdgeEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private pending: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (data: Buffer) => this.receive(data));
    socket.on('close', () => {
      this.closed = true;
      for (const wake of this.waiters) wake();
    });
    socket.on('error', () => undefined);
  }

  /** `path` includes the query (`/events?bucket=b&channel=c…`). Rejects with the HTTP status on refusal. */
  static connect(port: number, path: string, headers: Record<string, string> = {}, host = '127.0.0.1'): Promise<EventsClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, host);
      const key = randomBytes(16).toString('base64');
      let head = Buffer.alloc(0);
      const onData = (data: Buffer): void => {
        head = Buffer.concat([head, data]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head.toString('latin1'))?.[1]);
        if (status !== 101) {
          socket.destroy();
          reject(Object.assign(new Error(`events: HTTP ${status}: ${head.subarray(end + 4).toString()}`), { status }));
          return;
        }
        const client = new EventsClient(socket);
        if (head.length > end + 4) client.receive(head.subarray(end + 4));
        resolve(client);
      };
      socket.on('data', onData);
      socket.once('error', reject);
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: ${host}:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Version: 13',
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      ];
      socket.write(lines.join('\r\n') + '\r\n\r\n');
    });
  }

  /** Resolves with the first event (already received or coming) that matches, or rejects after `timeoutMs`. */
  waitFor(match: (event: EdgeEvent) => boolean, timeoutMs: number): Promise<EdgeEvent> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.events.find(match);
        if (found) {
          finish();
          resolve(found);
          return true;
        }
        if (this.closed) {
          finish();
          reject(new Error('events: socket closed'));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`events: no matching event within ${timeoutMs} ms`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      const wake = (): void => void check();
      if (!check()) this.waiters.add(wake);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    for (;;) {
      const frame = this.nextFrame();
      if (!frame) break;
      const { opcode, fin, payload } = frame;
      if (opcode === 0x9) this.sendControl(0xa, payload);
      else if (opcode === 0x8) this.socket.end();
      else if (opcode === 0x1 || opcode === 0x0) {
        this.fragments.push(payload);
        if (fin) {
          const text = Buffer.concat(this.fragments).toString('utf8');
          this.fragments = [];
          this.events.push(JSON.parse(text) as EdgeEvent);
        }
      }
    }
    for (const wake of [...this.waiters]) wake();
  }

  private nextFrame(): { opcode: number; fin: boolean; payload: Buffer } | undefined {
    const b = this.pending;
    if (b.length < 2) return undefined;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    if (b.length < offset + length) return undefined;
    this.pending = b.subarray(offset + length);
    return { opcode: b[0]! & 0x0f, fin: (b[0]! & 0x80) !== 0, payload: b.subarray(offset, offset + length) };
  }

  /** Client frames must be masked (RFC 6455 §5.3). */
  private sendControl(opcode: number, payload: Buffer): void {
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
    this.socket.write(Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]));
  }
}
