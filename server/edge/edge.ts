import uWS, { type us_listen_socket } from 'uWebSockets.js';
import type { EngineEvents } from '../../engine/events.js';
import { edgeAuthorizer } from './authorize.js';
import { BucketCache } from './bucket-cache.js';
import { EventsSocket } from './events-socket.js';
import { LiveCache } from './live-cache.js';
import { createObjectHandler, handleMethodNotAllowed, handlePreflight, type EdgeContext } from './object-handler.js';
import type { Edge, EdgeOptions } from './types.js';
import { ViewerTracker } from './viewers.js';

export { edgeAuthorizer };
export type { Edge, EdgeAuthorize, EdgeAuthRequest, EdgeAuthResult, EdgeOptions } from './types.js';

const DEFAULT_SEGMENTS_PER_CHANNEL = 1;
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
/** How long a channel's cached bodies outlive its publish (late viewers, the tail segment). */
const LINGER_MS = 30_000;

/** Starts the HLS delivery edge: GET/HEAD of objects and the `/events` WebSocket on one uWS listener. */
export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const cache = new LiveCache(
    options.cache?.segmentsPerChannel ?? DEFAULT_SEGMENTS_PER_CHANNEL,
    options.cache?.maxBytes ?? DEFAULT_CACHE_BYTES,
  );
  const authorize = options.authorize ?? (options.keys && edgeAuthorizer(options.keys));
  if (!authorize) throw new Error('edge: authorize or keys is required');
  const context: EdgeContext = {
    options,
    authorize,
    buckets: new BucketCache(options.meta),
    domains: options.domains ?? [],
    cache,
    // The events socket is created with the context it reads the viewers from.
    viewers: new ViewerTracker((bucket, channel) => events.watches(bucket, channel)),
  };
  const app = uWS.App();
  const events: EventsSocket = new EventsSocket(app, context, options.events, options.live);
  const objects = createObjectHandler(context);
  app.get('/*', objects).head('/*', objects).options('/*', handlePreflight).any('/*', handleMethodNotAllowed);

  const lingering = new Map<string, NodeJS.Timeout>();
  const channelId = (bucket: string, channel: string): string => `${bucket}/${channel}`;
  const onPlaylist = (e: EngineEvents['playlist'][0]): void => cache.putPlaylist(e.bucket, e.key, e.body, e.time);
  const onSegmentBody = (e: EngineEvents['segmentBody'][0]): void => cache.putSegment(e.bucket, e.key, e.body, e.retain);
  const onPublish = (e: EngineEvents['publish'][0]): void => {
    const id = channelId(e.bucket, e.channel);
    clearTimeout(lingering.get(id));
    lingering.delete(id);
  };
  const onUnpublish = (e: EngineEvents['unpublish'][0]): void => {
    const id = channelId(e.bucket, e.channel);
    clearTimeout(lingering.get(id));
    const timer = setTimeout(() => {
      lingering.delete(id);
      cache.dropChannel(e.bucket, e.channel);
    }, LINGER_MS);
    timer.unref();
    lingering.set(id, timer);
  };
  const segmentBodiesWanted = (bucket: string, channel: string): boolean => cache.wantsSegments(bucket, channel, Date.now());
  options.events.segmentBodiesWanted = segmentBodiesWanted;
  options.events.on('playlist', onPlaylist);
  options.events.on('segmentBody', onSegmentBody);
  options.events.on('publish', onPublish);
  options.events.on('unpublish', onUnpublish);

  const listenSocket = await new Promise<us_listen_socket>((resolve, reject) => {
    app.listen(options.host, options.port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`edge: cannot listen on ${options.host}:${options.port}`));
    });
  });
  const port = uWS.us_socket_local_port(listenSocket);
  let closed = false;
  return {
    port,
    async close() {
      if (closed) return;
      closed = true;
      if (options.events.segmentBodiesWanted === segmentBodiesWanted) options.events.segmentBodiesWanted = () => false;
      options.events.off('playlist', onPlaylist);
      options.events.off('segmentBody', onSegmentBody);
      options.events.off('publish', onPublish);
      options.events.off('unpublish', onUnpublish);
      for (const timer of lingering.values()) clearTimeout(timer);
      lingering.clear();
      events.close();
      uWS.us_listen_socket_close(listenSocket);
      // close() exists at runtime (v20.30) but not in the bundled typings; it ends keep-alive connections.
      (app as typeof app & { close(): void }).close();
      cache.clear();
    },
  };
}
