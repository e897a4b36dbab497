import { createHash, createHmac } from 'node:crypto';
import { header } from '../headers.js';
import { type AuthRequest, ossHeaders } from './request.js';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';

/** RFC 3986 unreserved characters kept, everything else percent-encoded (UTF-8). */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalUriV4(request: AuthRequest): string {
  const path = request.bucket === undefined ? '/' : `/${request.bucket}/${request.key}`;
  return uriEncode(path).replace(/%2F/g, '/');
}

/**
 * How empty query values are rendered. The standard (oss2, Go) is the bare name. ali-oss renders a
 * sub-resource flag bare but an explicitly empty parameter (`prefix: ''`) as `prefix=`, so a second
 * rendering reproduces that for the parameters that are not flags.
 */
export type EmptyValueStyle = 'bare' | 'ali-oss';

export interface CanonicalQueryOptions {
  readonly emptyValues: EmptyValueStyle;
  /** Flags ali-oss renders bare in its `ali-oss` style. */
  readonly isFlag: (name: string) => boolean;
  /** ali-oss sorts the raw names with localeCompare; the other SDKs sort the encoded names bytewise. */
  readonly localeOrder: boolean;
}

export function canonicalQueryV4(request: AuthRequest, options: CanonicalQueryOptions): string {
  const entries = [...request.query.entries()].filter(([name]) => name !== 'x-oss-signature');
  if (options.localeOrder) entries.sort((a, b) => a[0].localeCompare(b[0]));
  else {
    entries.sort((a, b) => {
      const x = uriEncode(a[0]);
      const y = uriEncode(b[0]);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  }
  return entries
    .map(([name, value]) => {
      const bare = value === '' && (options.emptyValues === 'bare' || options.isFlag(name));
      return bare ? uriEncode(name) : `${uriEncode(name)}=${uriEncode(value)}`;
    })
    .join('&');
}

export function canonicalRequestV4(
  request: AuthRequest,
  canonicalQuery: string,
  additionalHeaders: readonly string[],
  payloadHash: string,
): string {
  const signed = new Map<string, string>();
  for (const name of ['content-type', 'content-md5', ...additionalHeaders]) {
    const value = header(request, name);
    if (value !== undefined) signed.set(name, value.trim());
  }
  for (const [name, value] of ossHeaders(request)) signed.set(name, value);
  const names = [...signed.keys()].sort();
  const headers = names.map((name) => `${name}:${signed.get(name)}\n`).join('');
  return [
    request.method,
    canonicalUriV4(request),
    canonicalQuery,
    headers,
    additionalHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

export interface CredentialScope {
  readonly accessKeyId: string;
  /** YYYYMMDD */
  readonly day: string;
  readonly region: string;
  readonly product: string;
}

/** `ak/20261125/cn-hangzhou/oss/aliyun_v4_request` */
export function parseCredential(text: string): CredentialScope | undefined {
  const parts = text.split('/');
  if (parts.length !== 5 || parts[4] !== 'aliyun_v4_request' || !/^\d{8}$/.test(parts[1]!)) return undefined;
  const [accessKeyId, day, region, product] = parts as [string, string, string, string];
  if (!accessKeyId || !region || !product) return undefined;
  return { accessKeyId, day, region, product };
}

export function signV4(secret: string, scope: CredentialScope, timestamp: string, canonicalRequest: string): string {
  const stringToSign = [
    V4_ALGORITHM,
    timestamp,
    `${scope.day}/${scope.region}/${scope.product}/aliyun_v4_request`,
    createHash('sha256').update(canonicalRequest, 'utf8').digest('hex'),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();
  const signingKey = hmac(hmac(hmac(hmac(`aliyun_v4${secret}`, scope.day), scope.region), scope.product), 'aliyun_v4_request');
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/** `YYYYMMDDTHHMMSSZ` (ali-oss, oss2) or an RFC 1123 date (Go sends its Date header verbatim). */
export function parseV4Timestamp(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Date.parse(text);
}
