import { invalidArgument } from './errors.js';
import { isBucketName } from './names.js';

/** Which bucket and object a request names; `bucket` undefined = service level, `key` '' = bucket level. */
export interface Address {
  readonly bucket: string | undefined;
  readonly key: string;
  /** Bucket taken from the Host header (so URLs we return should keep that style). */
  readonly virtualHost: boolean;
}

// ali-oss with an IP endpoint sends `Host: {bucket}.oss-{region}.aliyuncs.com`, whatever the real host.
const ALIYUN_SERVICE_DOMAIN = /^oss-[a-z0-9-]+\.aliyuncs\.com$/;

export function hostWithoutPort(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon < 0 ? h : h.slice(0, colon);
}

function decodePath(raw: string): string {
  // Most paths carry no escapes; decoding would copy them anyway (it is on every edge request).
  if (!raw.includes('%')) return raw;
  try {
    // Path decoding is plain percent-decoding: `+` stays a plus, `%2F` becomes `/`.
    return decodeURIComponent(raw);
  } catch {
    throw invalidArgument(`Malformed percent-encoding in the path: ${raw}`);
  }
}

/** Bucket label from a virtual-host Host header, or undefined when the host addresses the service. */
export function bucketFromHost(host: string, serviceDomains: readonly string[]): string | undefined {
  const h = hostWithoutPort(host);
  const dot = h.indexOf('.');
  if (dot <= 0) return undefined;
  const label = h.slice(0, dot);
  const suffix = h.slice(dot + 1);
  if (!isBucketName(label)) return undefined;
  if (ALIYUN_SERVICE_DOMAIN.test(suffix) || serviceDomains.includes(suffix)) return label;
  return undefined;
}

/**
 * Virtual-hosted when the Host is `{bucket}.{service domain}`; otherwise path-style, where the first path
 * segment is the bucket (split before decoding, so an oss2 key with `%2F` stays in the key).
 */
export function resolveAddress(host: string, rawPath: string, serviceDomains: readonly string[]): Address {
  const hosted = bucketFromHost(host, serviceDomains);
  if (hosted !== undefined) return { bucket: hosted, key: decodePath(rawPath.slice(1)), virtualHost: true };
  const rest = rawPath.slice(1);
  if (rest === '') return { bucket: undefined, key: '', virtualHost: false };
  const slash = rest.indexOf('/');
  const bucket = decodePath(slash < 0 ? rest : rest.slice(0, slash));
  const key = slash < 0 ? '' : decodePath(rest.slice(slash + 1));
  return { bucket, key, virtualHost: false };
}
