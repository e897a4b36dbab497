import { createServer, type Server, type Socket } from 'node:net';
import type { EngineEventBus } from '../events.js';
import type { LiveRegistry } from '../ingest/live-registry.js';
import type { Admission, PublishSession, SinkFactory } from '../ingest/sink.js';
import { DEFAULT_RTMP_LIMITS, type RtmpLimits } from './limits.js';
import type { PublishTargetOptions } from './publish-target.js';
import { RtmpSession, type SessionHost } from './session.js';

export interface RtmpServerOptions {
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 1935; 0 picks a free port (see listen()). */
  readonly port?: number;
  readonly admission: Admission;
  readonly sinkFactory: SinkFactory;
  /** Bucket for publish URLs that name none. */
  readonly defaultBucket?: string | undefined;
  /** Domains under which a tcUrl host `{bucket}.{domain}` names the bucket. */
  readonly serviceDomains?: readonly string[] | undefined;
  readonly limits?: Partial<RtmpLimits>;
  readonly events?: EngineEventBus | undefined;
  /** Timestamp jump (ms) marked as a discontinuity; default 5000. */
  readonly jumpThresholdMs?: number | undefined;
  /** How long close() waits for sinks to close before destroying what is left, ms. Default 10000. */
  readonly closeTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** The RTMP ingest server: accepts publishers, hands their media to sinks, knows who is live. */
export class RtmpServer implements LiveRegistry {
  private readonly server: Server;
  private readonly sessions = new Set<RtmpSession>();
  private readonly live = new Map<string, { session: RtmpSession; publish: PublishSession }>();
  private readonly host: SessionHost;

  constructor(private readonly options: RtmpServerOptions) {
    const limits: RtmpLimits = { ...DEFAULT_RTMP_LIMITS, ...options.limits };
    const log = options.log ?? ((line: string) => console.error(line));
    const target: PublishTargetOptions = { defaultBucket: options.defaultBucket, serviceDomains: options.serviceDomains };
    const live = this.live;
    const sessions = this.sessions;
    this.host = {
      limits,
      admission: options.admission,
      sinkFactory: options.sinkFactory,
      target,
      events: options.events,
      jumpThresholdMs: options.jumpThresholdMs,
      log,
      claim(session, publish) {
        const key = liveKey(publish.bucket, publish.channel);
        if (live.has(key)) return false;
        live.set(key, { session, publish });
        return true;
      },
      release(publish) {
        const key = liveKey(publish.bucket, publish.channel);
        if (live.get(key)?.publish === publish) live.delete(key);
      },
      closed(session) {
        sessions.delete(session);
      },
    };
    this.server = createServer({ noDelay: true, pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  /** Starts listening; resolves with the bound port. */
  listen(): Promise<{ port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 1935, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve({ port: typeof address === 'object' && address ? address.port : 0 });
      });
    });
  }

  /** Stops accepting, tells each publisher, closes sinks with 'shutdown'; bounded by closeTimeoutMs. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const sessions = [...this.sessions];
    const sinks = Promise.all(sessions.map((s) => s.shutdown()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.closeTimeoutMs ?? 10_000);
    });
    // Publishers get until they hang up (or the session's linger ends) to read the shutdown onStatus.
    await Promise.race([Promise.all([sinks, ...sessions.map((s) => s.closed)]), deadline]);
    clearTimeout(timer);
    for (const s of this.sessions) s.destroy();
    await closed;
  }

  findPublisher(bucket: string, channel: string): PublishSession | undefined {
    return this.live.get(liveKey(bucket, channel))?.publish;
  }

  async kick(bucket: string, channel: string, reason: string): Promise<void> {
    await this.live.get(liveKey(bucket, channel))?.session.kick(reason);
  }

  *publishers(): Iterable<PublishSession> {
    for (const { publish } of this.live.values()) yield publish;
  }

  private accept(socket: Socket): void {
    if (this.sessions.size >= this.host.limits.maxConnections) {
      this.host.log(`rtmp ${socket.remoteAddress}:${socket.remotePort}: closing: more than ${this.host.limits.maxConnections} connections`);
      socket.destroy();
      return;
    }
    this.sessions.add(new RtmpSession(socket, this.host));
  }
}

function liveKey(bucket: string, channel: string): string {
  return `${bucket}\n${channel}`;
}
