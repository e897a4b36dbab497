import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveRegistry } from '../../engine/ingest/live-registry.js';
import type { MetadataStore } from '../../engine/store/metadata-store.js';
import type { ObjectStore } from '../../engine/store/object-store.js';
import type { KeyProvider } from './auth/keys.js';
import { SIGNED_SUB_RESOURCES } from './auth/sub-resources.js';
import type { ApiContext } from './context.js';
import { type AdmittedRequest, type RawRequest, admit, hostIdOf, perform } from './dispatch.js';
import { errorReply, toOssError } from './error-response.js';
import { OssError } from './errors.js';
import { createLiveUrls } from './live-urls.js';
import { parseQuery } from './query.js';
import { newRequestId } from './request-id.js';
import { StatSampler } from './stat-sampler.js';
import { MAX_XML_BODY } from './xml.js';

export interface ApiServerOptions {
  readonly objects: ObjectStore;
  readonly meta: MetadataStore;
  readonly live: LiveRegistry;
  readonly keys: KeyProvider;
  /** Host (optionally `:port`, the public HTTP port) for PublishUrls/PlayUrls; default: the host requests reach. */
  readonly publicHost?: string;
  /** RTMP port for PublishUrls; a function when it is only known once the RTMP server listens. */
  readonly rtmpPort: number | (() => number);
  /** HLS edge port for PlayUrls (function as for rtmpPort); absent or 0 = this API's own port. */
  readonly edgePort?: number | (() => number);
  /** Region reported for buckets, e.g. `oss-cn-hangzhou`. */
  readonly region?: string;
  /** Domains under which `{bucket}.{domain}` is virtual-hosted addressing (besides `oss-*.aliyuncs.com`). */
  readonly serviceDomains?: readonly string[];
  /** Largest PutObject body; default 1 GiB. */
  readonly bodyLimit?: number;
  readonly logger?: FastifyBaseLogger;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024 * 1024;

/** A plain `PUT /{key}` (no sub-resource) is the only request whose body is an object. */
function mayCarryObject(method: string, url: string): boolean {
  if (method !== 'PUT') return false;
  const q = url.indexOf('?');
  const names = q < 0 ? [] : [...parseQuery(url.slice(q + 1)).keys()];
  return !names.some((name) => SIGNED_SUB_RESOURCES.has(name) && name !== 'security-token');
}

/** Most of a refused upload the server reads and throws away so that the client gets to read the refusal. */
const MAX_DISCARDED_BODY = 16 * 1024 * 1024;
const DISCARD_TIMEOUT_MS = 5000;

/**
 * Reads and drops what is left of a request body. A reply sent while the client is still uploading, followed
 * by a close with unread bytes, makes the kernel answer with a reset that can destroy the reply before the
 * client reads it. Past the bound (or the timeout) the connection is left to close anyway.
 */
function discardBody(raw: IncomingMessage): Promise<void> {
  if (raw.complete || raw.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = (): void => {
      clearTimeout(timer);
      raw.off('data', onData).off('end', done).off('error', done).off('close', done);
      resolve();
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > MAX_DISCARDED_BODY) done();
    };
    const timer = setTimeout(done, DISCARD_TIMEOUT_MS);
    raw.on('data', onData).on('end', done).on('error', done).on('close', done);
    raw.resume();
  });
}

/** The OSS-compatible HTTP API as a fastify instance, not listening (the caller listens). */
export function createApiServer(options: ApiServerOptions): FastifyInstance {
  const serviceDomains = (options.serviceDomains ?? []).map((d) => d.toLowerCase());
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    genReqId: newRequestId,
    // Object keys reach 1023 bytes, percent-encoded up to three times that.
    routerOptions: { maxParamLength: 8192 },
    exposeHeadRoutes: false,
    return503OnClosing: true,
    // A client that sends its head and then stalls would otherwise hold its socket forever: Node's
    // header timeout does not cover the body.
    connectionTimeout: 60_000,
    requestTimeout: 300_000,
    frameworkErrors: (error, request, reply) => sendError(reply, request, error),
  });
  const ownPort = (): number => (app.server.address() as AddressInfo | null)?.port ?? 0;
  const port = (p: number | (() => number) | undefined): number => (typeof p === 'function' ? p() : (p ?? 0));
  const ctx: ApiContext = {
    objects: options.objects,
    meta: options.meta,
    live: options.live,
    keys: options.keys,
    urls: createLiveUrls({
      publicHost: options.publicHost,
      rtmpPort: options.rtmpPort,
      playPort: () => port(options.edgePort) || ownPort(),
    }),
    sampler: new StatSampler(),
    serviceDomains,
    region: options.region ?? 'oss-cn-hangzhou',
    now: Date.now,
  };

  // Every body is raw bytes whatever its Content-Type: SDKs send surprising types (video/mp2t on GET, none
  // on PutLiveChannel), and signatures cover the bytes as sent.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const rawOf = (request: FastifyRequest): RawRequest => ({
    method: request.method,
    url: request.raw.url ?? '/',
    headers: request.headers,
    body: Buffer.isBuffer(request.body) ? request.body : undefined,
    localAddress: request.raw.socket.localAddress ?? '127.0.0.1',
  });

  function sendError(reply: FastifyReply, request: FastifyRequest, error: unknown): FastifyReply {
    const oss = toOssError(error);
    if (oss.status >= 500) request.log.error({ err: error }, 'request failed');
    const r = errorReply(oss, String(request.id), hostIdOf(rawOf(request), serviceDomains), request.method);
    reply.code(r.status).headers({ ...r.headers, 'x-oss-request-id': String(request.id), server: 'AliyunOSS' });
    return reply.send(r.body);
  }

  // Admission runs on the request head, before fastify reads any body: an unsigned or unauthorized
  // upload is refused without being buffered.
  const admitted = new WeakMap<FastifyRequest, AdmittedRequest>();
  app.addHook('onRequest', async (request) => {
    try {
      // Only PutObject takes large bodies; everything else is a small XML document or nothing.
      const length = Number(request.headers['content-length'] ?? 0);
      if (length > MAX_XML_BODY && !mayCarryObject(request.method, request.raw.url ?? '/')) {
        throw new OssError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size for this request.');
      }
      admitted.set(request, await admit(ctx, rawOf(request)));
    } catch (error) {
      await discardBody(request.raw);
      throw error;
    }
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const head = admitted.get(request) ?? (await admit(ctx, rawOf(request)));
    const response = await perform(ctx, head, rawOf(request).body);
    reply.code(response.status).headers({ ...response.headers, 'x-oss-request-id': String(request.id), server: 'AliyunOSS' });
    return reply.send(response.body);
  };
  app.route({ method: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'], url: '*', handler });
  app.setNotFoundHandler(handler);
  app.setErrorHandler((error, request, reply) => sendError(reply, request, error));
  return app;
}
