import { isIPv4 } from 'node:net';
import { type Address, bucketFromHost, hostWithoutPort, resolveAddress } from './addressing.js';
import { anonymousAllowed, effectiveAcl } from './auth/acl.js';
import { authenticate } from './auth/authenticate.js';
import type { ApiContext, OssRequest, OssResponse } from './context.js';
import { accessDenied, noSuchBucket } from './errors.js';
import { type Headers, header } from './headers.js';
import { checkBucketName, checkObjectKey } from './names.js';
import { parseQuery } from './query.js';
import { type Operation, route } from './routes.js';
import type { BucketRecord } from '../../engine/store/metadata-store.js';
import type { ObjectInfo } from '../../engine/store/object-store.js';

/** One HTTP request as the framework received it. */
export interface RawRequest {
  readonly method: string;
  /** Request target as sent: raw path and query. */
  readonly url: string;
  readonly headers: Headers;
  readonly body: Buffer | undefined;
  /** Local address of the connection (what the client dialled). */
  readonly localAddress: string;
}

/**
 * The host to name in URLs we return: the Host the client used, without the bucket label; the
 * connection's local address when the Host is the fake `*.aliyuncs.com` one ali-oss sends to IPs.
 */
function reachedHost(host: string, address: Address, localAddress: string): string {
  let h = hostWithoutPort(host).replace(/^\[|\]$/g, '');
  if (address.virtualHost) h = h.slice(h.indexOf('.') + 1);
  if (h === '' || h.endsWith('.aliyuncs.com')) {
    const mapped = localAddress.replace(/^::ffff:/, '');
    return isIPv4(mapped) ? mapped : localAddress;
  }
  return h;
}

const hostOf = (raw: Pick<RawRequest, 'headers'>): string => header(raw, 'host') ?? '';

/** Hostname for `<HostId>` in errors: the bucket's virtual host, as OSS reports it. */
export function hostIdOf(raw: Pick<RawRequest, 'headers'>, serviceDomains: readonly string[]): string {
  const host = hostOf(raw);
  return bucketFromHost(host, serviceDomains) !== undefined ? hostWithoutPort(host) : host;
}

/** A request that passed addressing, authentication, routing, bucket existence and ACL. */
export interface AdmittedRequest {
  readonly request: Omit<OssRequest, 'body'>;
  readonly operation: Operation;
  readonly bucket: string;
  readonly record: BucketRecord | undefined;
  readonly object: ObjectInfo | undefined;
}

/**
 * Everything that decides whether a request may run, from its head alone: it runs before the body is
 * read, so a client that is refused cannot make the server buffer a body first.
 */
export async function admit(ctx: ApiContext, raw: Omit<RawRequest, 'body'>): Promise<AdmittedRequest> {
  const now = ctx.now();
  const q = raw.url.indexOf('?');
  const address = resolveAddress(hostOf(raw), (q < 0 ? raw.url : raw.url.slice(0, q)) || '/', ctx.serviceDomains);
  const query = parseQuery(q < 0 ? '' : raw.url.slice(q + 1));
  const bucket = address.bucket ?? '';
  const auth = authenticate(
    { method: raw.method, bucket: address.bucket, key: address.key, query, headers: raw.headers, now },
    ctx.keys,
  );
  if (!auth.ok) throw auth.error;
  const request = {
    method: raw.method,
    address,
    query,
    headers: raw.headers,
    now,
    reachedHost: reachedHost(hostOf(raw), address, raw.localAddress),
  };
  const operation = route({ ...request, body: undefined });
  if (operation.bucket !== 'none') checkBucketName(bucket);
  if (address.key !== '') checkObjectKey(address.key);
  const anonymous = auth.accessKeyId === undefined;
  if (anonymous && operation.access === 'owner') throw accessDenied('You have no right to access this resource.');
  const record = operation.bucket === 'none' ? undefined : ctx.meta.getBucket(bucket);
  if (!record && operation.bucket === 'exists') throw noSuchBucket(bucket);
  let object: ObjectInfo | undefined;
  if (anonymous && record) {
    if (operation.access === 'read' && address.key !== '') object = await ctx.objects.head(bucket, address.key);
    if (!anonymousAllowed(effectiveAcl(record.acl, object?.acl), operation.access)) {
      throw accessDenied('You have no right to access this object because of bucket acl.');
    }
  }
  return { request, operation, bucket, record, object };
}

/** Runs an admitted request with its body. */
export async function perform(ctx: ApiContext, admitted: AdmittedRequest, body: Buffer | undefined): Promise<OssResponse> {
  const { request, operation, bucket, record, object } = admitted;
  return operation.run({ ctx, request: { ...request, body }, bucket, record, key: request.address.key, object });
}
