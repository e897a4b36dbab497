import uWS, { type HttpRequest, type HttpResponse, type TemplatedApp, type WebSocket, type us_socket_context_t } from 'uWebSockets.js';
import type { EngineEventBus, EngineEvents } from '../../engine/events.js';
import type { LiveRegistry } from '../../engine/ingest/live-registry.js';
import { OssError, noSuchBucket } from '../api/errors.js';
import { parseQuery, type Query } from '../api/query.js';
import { errorDocument } from '../api/error-response.js';
import { statusLine } from './error-reply.js';
import { Exchange } from './exchange.js';
import { channelOfKey } from './live-cache.js';
import type { EdgeContext } from './object-handler.js';
import { nextRequestId } from './request-id.js';

interface Subscriber {
  readonly bucket: string;
  readonly channel: string | undefined;
}

/** Query parameters naming the subscription; everything else is left to the signature check. */
const FILTER_PARAMS = new Set(['bucket', 'channel']);

const bucketTopic = (bucket: string): string => `${bucket}/`;
const channelTopic = (bucket: string, channel: string): string => `${bucket}/${channel}`;

interface Snapshot {
  bytes: number;
  frames: number;
  at: number;
}

/**
 * `/events`: a WebSocket per subscriber, fed from the engine's event bus through uWS pub/sub topics (one
 * per channel and one per bucket), so each event is serialized once whatever the number of listeners.
 */
export class EventsSocket {
  private readonly sockets = new Set<WebSocket<Subscriber>>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly ticker: NodeJS.Timeout;
  private readonly detach: () => void;

  constructor(
    private readonly app: TemplatedApp,
    private readonly context: EdgeContext,
    bus: EngineEventBus,
    private readonly live: LiveRegistry | undefined,
  ) {
    app.ws<Subscriber>('/events', {
      compression: uWS.DISABLED,
      maxPayloadLength: 4096,
      maxBackpressure: 1 << 20,
      idleTimeout: 120,
      sendPingsAutomatically: true,
      upgrade: (res, req, socketContext) => this.upgrade(res, req, socketContext),
      open: (ws) => {
        const { bucket, channel } = ws.getUserData();
        ws.subscribe(channel === undefined ? bucketTopic(bucket) : channelTopic(bucket, channel));
        this.sockets.add(ws);
      },
      close: (ws) => {
        this.sockets.delete(ws);
      },
    });
    const onPublish = (e: EngineEvents['publish'][0]): void => this.send(e.bucket, e.channel, { type: 'publish', ...e });
    const onUnpublish = (e: EngineEvents['unpublish'][0]): void => this.send(e.bucket, e.channel, { type: 'unpublish', ...e });
    const onSegment = (e: EngineEvents['segment'][0]): void => this.send(e.bucket, e.channel, { type: 'segment', ...e });
    const onDropped = (e: EngineEvents['framesDropped'][0]): void => this.send(e.bucket, e.channel, { type: 'framesDropped', ...e });
    const onStorageError = (e: EngineEvents['storageError'][0]): void => {
      const channel = channelOfKey(e.key);
      if (channel !== undefined) this.send(e.bucket, channel, { type: 'storageError', channel, ...e });
    };
    bus.on('publish', onPublish);
    bus.on('unpublish', onUnpublish);
    bus.on('segment', onSegment);
    bus.on('framesDropped', onDropped);
    bus.on('storageError', onStorageError);
    this.detach = () => {
      bus.off('publish', onPublish);
      bus.off('unpublish', onUnpublish);
      bus.off('segment', onSegment);
      bus.off('framesDropped', onDropped);
      bus.off('storageError', onStorageError);
    };
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref();
  }

  close(): void {
    clearInterval(this.ticker);
    this.detach();
    for (const ws of this.sockets) ws.end(1001, 'edge closing');
    this.sockets.clear();
  }

  /** Whether anyone receives this channel's events. */
  watches(bucket: string, channel: string): boolean {
    // Asked on every GET of the edge: with no subscriber at all, skip building topics and asking uWS.
    if (this.sockets.size === 0) return false;
    return this.app.numSubscribers(channelTopic(bucket, channel)) > 0 || this.app.numSubscribers(bucketTopic(bucket)) > 0;
  }

  private send(bucket: string, channel: string, message: object): void {
    if (!this.watches(bucket, channel)) return;
    const text = JSON.stringify(message);
    this.app.publish(channelTopic(bucket, channel), text);
    this.app.publish(bucketTopic(bucket), text);
  }

  /** Once a second per live publish: bitrate and fps since the last tick, and the edge's viewers. */
  private tick(): void {
    const now = Date.now();
    this.context.viewers.sweep(now);
    if (!this.live) return;
    const seen = new Set<string>();
    for (const session of this.live.publishers()) {
      seen.add(session.id);
      const { stats } = session;
      const bytes = stats.videoBytes + stats.audioBytes;
      const previous = this.snapshots.get(session.id);
      this.snapshots.set(session.id, { bytes, frames: stats.videoFrames, at: now });
      if (!previous || now === previous.at) continue;
      const seconds = (now - previous.at) / 1000;
      this.send(session.bucket, session.channel, {
        type: 'stats',
        bucket: session.bucket,
        channel: session.channel,
        time: now,
        bitrate: Math.round(((bytes - previous.bytes) * 8) / seconds),
        fps: Math.round(((stats.videoFrames - previous.frames) / seconds) * 100) / 100,
        viewers: this.context.viewers.count(session.bucket, session.channel, now),
      });
    }
    for (const id of this.snapshots.keys()) if (!seen.has(id)) this.snapshots.delete(id);
  }

  private upgrade(res: HttpResponse, req: HttpRequest, socketContext: us_socket_context_t): void {
    const key = req.getHeader('sec-websocket-key');
    const protocol = req.getHeader('sec-websocket-protocol');
    const extensions = req.getHeader('sec-websocket-extensions');
    const host = req.getHeader('host');
    const headers: Record<string, string> = {};
    req.forEach((name, value) => {
      headers[name] = value;
    });
    const exchange = new Exchange(res);
    exchange.watchAbort();
    const requestId = nextRequestId();
    let query: Query;
    try {
      query = parseQuery(req.getQuery() ?? '');
    } catch (error) {
      this.refuse(exchange, error, requestId, host);
      return;
    }
    this.admit(query, headers).then(
      (subscriber) => {
        if (exchange.aborted) return;
        exchange.done = true;
        res.cork(() => res.upgrade(subscriber, key, protocol, extensions, socketContext));
      },
      (error: unknown) => this.refuse(exchange, error, requestId, host),
    );
  }

  /**
   * A channel subscription is allowed to whoever may GET the channel's playlist (anonymous on a public
   * bucket, or a presigned playlist URL's query moved onto `/events`); a bucket-wide one to whoever may
   * GET the bucket (list it).
   */
  private async admit(query: Query, headers: Record<string, string>): Promise<Subscriber> {
    const bucketName = query.get('bucket');
    if (!bucketName) throw new OssError(400, 'InvalidArgument', 'The bucket query parameter is required.');
    const channel = query.get('channel') || undefined;
    const { meta, objects } = this.context.options;
    const bucket = meta.getBucket(bucketName);
    if (!bucket) throw noSuchBucket(bucketName);
    let key = '';
    if (channel !== undefined) {
      key = `${channel}/${meta.getChannel(bucketName, channel)?.playlistName ?? 'playlist.m3u8'}`;
    }
    const signed = new Map([...query].filter(([name]) => !FILTER_PARAMS.has(name)));
    const objectAcl = key === '' ? undefined : (await objects.head(bucketName, key))?.acl;
    const verdict = await this.context.authorize({ method: 'GET', bucket: bucketName, key, headers, query: signed, now: Date.now(), bucketAcl: bucket.acl, objectAcl });
    if (!verdict.ok) throw verdict.error;
    return { bucket: bucketName, channel };
  }

  private refuse(exchange: Exchange, error: unknown, requestId: string, host: string): void {
    const oss = error instanceof OssError ? error : new OssError(500, 'InternalError', 'We encountered an internal error.');
    exchange.endWith(() => {
      exchange.res.writeStatus(statusLine(oss.status));
      exchange.res.writeHeader('x-oss-request-id', requestId);
      exchange.res.writeHeader('Content-Type', 'application/xml');
    }, errorDocument(oss, requestId, host));
  }
}
