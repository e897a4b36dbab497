import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { resolveAddress } from '../api/addressing.js';
import { OssError, noSuchBucket, noSuchKey } from '../api/errors.js';
import { parseQuery, type Query } from '../api/query.js';
import { checkConditions } from '../api/ops/conditional.js';
import { objectHeaders } from '../api/ops/get-object.js';
import { parseRange } from '../api/ops/range.js';
import type { BucketRecord } from '../../engine/store/metadata-store.js';
import type { ObjectInfo } from '../../engine/store/object-store.js';
import { errorDocument } from '../api/error-response.js';
import { statusLine } from './error-reply.js';
import type { BucketCache } from './bucket-cache.js';
import { Exchange } from './exchange.js';
import { REVALIDATE_MS, channelOfKey, type CachedObject, type LiveCache } from './live-cache.js';
import { nextRequestId } from './request-id.js';
import type { EdgeAuthorize, EdgeAuthResult, EdgeOptions } from './types.js';
import type { ViewerTracker } from './viewers.js';

export interface EdgeContext {
  readonly options: EdgeOptions;
  readonly authorize: EdgeAuthorize;
  readonly buckets: BucketCache;
  readonly domains: readonly string[];
  readonly cache: LiveCache;
  readonly viewers: ViewerTracker;
}

const CORS_EXPOSE = 'ETag, Content-Length, Content-Range, Accept-Ranges, Last-Modified, x-oss-request-id';
const PLAYLIST_MAX_AGE = 'max-age=1';
const SEGMENT_MAX_AGE = 'max-age=31536000, immutable';
const API_ONLY_HEADERS = ['x-oss-object-type', 'x-oss-storage-class'];
/** What a 304 repeats of the 200 it stands for (RFC 9110 15.4.5). */
const NOT_MODIFIED_HEADERS = new Set(['etag', 'last-modified', 'cache-control', 'expires']);

/** What a handler needs from the uWS request, read before it returns (the request dies with the call). */
interface EdgeRequest {
  readonly method: 'GET' | 'HEAD';
  readonly bucket: string;
  readonly key: string;
  readonly host: string;
  readonly headers: Record<string, string>;
  readonly query: Query;
  readonly requestId: string;
}

type HeaderList = readonly (readonly [Buffer, Buffer])[];

/**
 * Header values from the API's renderer are byte strings (UTF-8 bytes as latin1 chars, what Node's HTTP
 * server writes as is); uWS would UTF-8-encode a string again, so they go to it as bytes.
 */
const toWire = (list: readonly (readonly [string, string])[]): HeaderList =>
  list.map(([name, value]) => [Buffer.from(name, 'latin1'), Buffer.from(value, 'latin1')] as const);

/** Written on every response: encoded once rather than converted from strings each time. */
const REQUEST_ID = Buffer.from('x-oss-request-id');
const ALLOW_ORIGIN = [Buffer.from('Access-Control-Allow-Origin'), Buffer.from('*')] as const;
const EXPOSE_HEADERS = [Buffer.from('Access-Control-Expose-Headers'), Buffer.from(CORS_EXPOSE)] as const;

/**
 * Allow-Origin goes on every response, so that a cached copy serves any page. The exposed-header list only
 * matters to scripts in browsers, which send Origin on every cross-origin request: it is left off the
 * playlist polls of everything else (a third of the headers' bytes).
 */
function writeCommon(res: HttpResponse, requestId: string, fromBrowser = true): void {
  res.writeHeader(REQUEST_ID, requestId);
  res.writeHeader(ALLOW_ORIGIN[0], ALLOW_ORIGIN[1]);
  if (fromBrowser) res.writeHeader(EXPOSE_HEADERS[0], EXPOSE_HEADERS[1]);
}

function replyError(exchange: Exchange, error: OssError, requestId: string, host: string, head: boolean): void {
  const document = errorDocument(error, requestId, host);
  const writeHead = (): void => {
    exchange.res.writeStatus(statusLine(error.status));
    writeCommon(exchange.res, requestId);
    if (error.ec) exchange.res.writeHeader('x-oss-ec', error.ec);
    exchange.res.writeHeader('Content-Type', 'application/xml');
  };
  if (head) {
    exchange.endWithoutBody(() => {
      writeHead();
      exchange.res.writeHeader('x-oss-err', Buffer.from(document).toString('base64'));
    });
  } else {
    exchange.endWith(writeHead, document);
  }
}

/** CORS preflight: browsers send it before a ranged or signed-header GET; it carries no credentials. */
export function handlePreflight(res: HttpResponse, req: HttpRequest): void {
  const requested = req.getHeader('access-control-request-headers');
  const requestId = nextRequestId();
  res.cork(() => {
    res.writeStatus('200 OK');
    writeCommon(res, requestId);
    res.writeHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    if (requested) res.writeHeader('Access-Control-Allow-Headers', requested);
    res.writeHeader('Access-Control-Max-Age', '86400');
    res.endWithoutBody();
  });
}

export function handleMethodNotAllowed(res: HttpResponse, req: HttpRequest): void {
  const error = new OssError(405, 'MethodNotAllowed', 'The edge serves GET and HEAD of objects; use the API.');
  replyError(new Exchange(res), error, nextRequestId(), req.getHeader('host'), false);
}

/** GET and HEAD of an object: live bodies from memory, everything else from the store. */
export function createObjectHandler(context: EdgeContext): (res: HttpResponse, req: HttpRequest) => void {
  return (res, req) => {
    const exchange = new Exchange(res);
    const method = req.getCaseSensitiveMethod() === 'HEAD' ? 'HEAD' : 'GET';
    const host = req.getHeader('host');
    const requestId = nextRequestId();
    let request: EdgeRequest;
    try {
      const address = resolveAddress(host, req.getUrl(), context.domains);
      if (address.bucket === undefined || address.key === '') {
        throw new OssError(405, 'MethodNotAllowed', 'The edge serves objects only; use the API for buckets.');
      }
      const headers: Record<string, string> = {};
      req.forEach((name, value) => {
        headers[name] = value;
      });
      request = {
        method,
        bucket: address.bucket,
        key: address.key,
        host,
        headers,
        query: parseQuery(req.getQuery() ?? ''),
        requestId,
      };
    } catch (error) {
      replyError(exchange, asOssError(error), requestId, host, method === 'HEAD');
      return;
    }
    handle(context, exchange, request);
  };
}

function asOssError(error: unknown): OssError {
  if (error instanceof OssError) return error;
  return new OssError(500, 'InternalError', 'We encountered an internal error. Please try again.');
}

/**
 * The live path answers before returning (no promise, no abort handler): a cached body whose store view
 * is fresh, under a synchronous authorizer. Everything else goes through `serveFromStore`.
 */
function handle(context: EdgeContext, exchange: Exchange, request: EdgeRequest): void {
  try {
    const now = Date.now();
    const bucket = context.buckets.get(request.bucket, now);
    if (!bucket) throw noSuchBucket(request.bucket);
    const cached = context.cache.get(request.bucket, request.key);
    if (cached?.info && now - cached.checkedAt < REVALIDATE_MS) {
      const verdict = authorize(context, request, bucket, cached.info);
      if (!(verdict instanceof Promise)) {
        if (!verdict.ok) throw verdict.error;
        respond(context, exchange, request, bucket, cached.info, cached);
        return;
      }
    }
  } catch (error) {
    replyError(exchange, asOssError(error), request.requestId, request.host, request.method === 'HEAD');
    return;
  }
  exchange.watchAbort();
  serveFromStore(context, exchange, request).catch((error: unknown) => {
    if (!exchange.aborted && !exchange.done) replyError(exchange, asOssError(error), request.requestId, request.host, request.method === 'HEAD');
  });
}

async function serveFromStore(context: EdgeContext, exchange: Exchange, request: EdgeRequest): Promise<void> {
  const now = Date.now();
  const bucket = context.buckets.get(request.bucket, now);
  if (!bucket) throw noSuchBucket(request.bucket);
  const info = await context.options.objects.head(request.bucket, request.key);
  if (exchange.aborted) return;
  const cached = revalidate(context, request, context.cache.get(request.bucket, request.key), info, now);
  const verdict = authorize(context, request, bucket, info);
  const decided = verdict instanceof Promise ? await verdict : verdict;
  if (exchange.aborted) return;
  if (!decided.ok) throw decided.error;
  if (!info) throw noSuchKey(request.key);
  await respond(context, exchange, request, bucket, info, cached);
}

/** Applies what the store says to a cached entry; returns the entry when its bytes may still be served. */
function revalidate(
  context: EdgeContext,
  request: EdgeRequest,
  cached: CachedObject | undefined,
  info: ObjectInfo | undefined,
  now: number,
): CachedObject | undefined {
  if (!cached) return undefined;
  if (!info || info.size !== cached.body.length || (cached.info && cached.info.etag !== info.etag)) {
    // Deleted or overwritten through the API: the store is the truth.
    context.cache.delete(request.bucket, request.key);
    return undefined;
  }
  cached.info = info;
  cached.checkedAt = now;
  return cached;
}

function authorize(context: EdgeContext, request: EdgeRequest, bucket: BucketRecord, info: ObjectInfo | undefined) {
  return context.authorize({
    method: request.method,
    bucket: request.bucket,
    key: request.key,
    headers: request.headers,
    query: request.query,
    now: Date.now(),
    bucketAcl: bucket.acl,
    objectAcl: info?.acl,
  }) as EdgeAuthResult | Promise<EdgeAuthResult>;
}

function isPublic(bucket: BucketRecord, info: ObjectInfo): boolean {
  const acl = info.acl === 'default' ? bucket.acl : info.acl;
  return acl !== 'private';
}

/** Live playlists may be cached for a second, segments forever (their names are never reused). */
function cacheControl(key: string, bucket: BucketRecord, info: ObjectInfo): string | undefined {
  const age = key.endsWith('.m3u8') ? PLAYLIST_MAX_AGE : key.endsWith('.ts') ? SEGMENT_MAX_AGE : undefined;
  if (!age) return undefined;
  return `${isPublic(bucket, info) ? 'public' : 'private'}, ${age}`;
}

/**
 * The API's object headers (stored ones and response-* overrides win) without its storage descriptors,
 * which players and caches never read, plus our Cache-Control.
 */
function renderHeaders(request: EdgeRequest, bucket: BucketRecord, info: ObjectInfo): [string, string][] {
  const headers = objectHeaders(info, request);
  for (const name of API_ONLY_HEADERS) delete headers[name];
  if (!Object.keys(headers).some((name) => name.toLowerCase() === 'cache-control')) {
    const control = cacheControl(request.key, bucket, info);
    if (control) headers['cache-control'] = control;
  }
  return Object.entries(headers);
}

/** The object's response headers: as names (for the 304 subset) and as what goes on the wire. */
function headersFor(
  request: EdgeRequest, bucket: BucketRecord, info: ObjectInfo, cached: CachedObject | undefined,
): { list: readonly (readonly [string, string])[]; wire: HeaderList } {
  // response-* parameters change headers per request; only plain requests share the rendering.
  if (!cached || request.query.size > 0) {
    const list = renderHeaders(request, bucket, info);
    return { list, wire: toWire(list) };
  }
  const prepared = cached.headers;
  if (prepared && prepared.info === info && prepared.bucketAcl === bucket.acl) return prepared;
  const list = renderHeaders(request, bucket, info);
  cached.headers = { info, bucketAcl: bucket.acl, list, wire: toWire(list) };
  return cached.headers;
}

/** Synchronous unless the body has to come from the store. */
function respond(
  context: EdgeContext,
  exchange: Exchange,
  request: EdgeRequest,
  bucket: BucketRecord,
  info: ObjectInfo,
  cached: CachedObject | undefined,
): Promise<void> | undefined {
  const res = exchange.res;
  const notModified = checkConditions(request, info);
  const channel = channelOfKey(request.key);
  if (channel !== undefined) {
    const now = Date.now();
    context.cache.noteRequest(request.bucket, channel, now);
    // Identifying a viewer costs a getpeername per request: done only for channels whose stats have a reader.
    if (request.method === 'GET' && context.viewers.watched(request.bucket, channel)) {
      const viewer = `${Buffer.from(res.getRemoteAddressAsText()).toString()} ${request.headers['user-agent'] ?? ''}`;
      context.viewers.touch(request.bucket, channel, viewer, now);
    }
  }
  const { list, wire } = headersFor(request, bucket, info, cached);
  const fromBrowser = request.headers.origin !== undefined;
  if (notModified) {
    exchange.endWithoutBody(() => {
      res.writeStatus('304 Not Modified');
      writeCommon(res, request.requestId, fromBrowser);
      for (let i = 0; i < list.length; i++) if (NOT_MODIFIED_HEADERS.has(list[i]![0])) res.writeHeader(wire[i]![0], wire[i]![1]);
    });
    return undefined;
  }
  const range = parseRange(request.headers.range, info.size);
  const length = range ? range[1] - range[0] + 1 : info.size;
  const writeHead = (): void => {
    res.writeStatus(range ? '206 Partial Content' : '200 OK');
    writeCommon(res, request.requestId, fromBrowser);
    for (const [name, value] of wire) res.writeHeader(name, value);
    if (range) res.writeHeader('Content-Range', `bytes ${range[0]}-${range[1]}/${info.size}`);
  };
  if (request.method === 'HEAD') {
    exchange.endWithoutBody(writeHead, length);
    return undefined;
  }
  if (cached) {
    // The cache may drop the entry while a slow viewer is still being sent it: hold the bytes till the end.
    exchange.endWith(writeHead, range ? cached.body.subarray(range[0], range[1] + 1) : cached.body, cached.retain?.());
    return undefined;
  }
  return streamFromStore(context, exchange, request, info, range, length, writeHead);
}

async function streamFromStore(
  context: EdgeContext,
  exchange: Exchange,
  request: EdgeRequest,
  info: ObjectInfo,
  range: readonly [number, number] | undefined,
  length: number,
  writeHead: () => void,
): Promise<void> {
  exchange.watchAbort();
  const read = await context.options.objects.read(request.bucket, request.key, range);
  if (exchange.aborted) {
    read?.body.destroy();
    return;
  }
  if (!read || read.info.etag !== info.etag) {
    read?.body.destroy();
    // Replaced or deleted between head and read: answer as if the request came a moment later.
    throw read ? new OssError(503, 'ServiceUnavailable', 'The object changed while being read; retry.') : noSuchKey(request.key);
  }
  exchange.stream(writeHead, read.body, length);
}
