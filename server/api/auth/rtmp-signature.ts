import { createHmac } from 'node:crypto';

/** Parameters that carry the signature itself and are not signed. */
const UNSIGNED = new Set(['OSSAccessKeyId', 'Expires', 'Signature', 'SecurityToken']);

/**
 * `Expires\n` + `key:value\n` for every other parameter (sorted) + `/{bucket}/{channel}`, HMAC-SHA1,
 * base64. `withSecurityToken` false leaves `security-token` out, as the Go SDK signs it.
 */
export function rtmpStringToSign(
  expires: string,
  params: Readonly<Record<string, string>>,
  bucket: string,
  channel: string,
  withSecurityToken = true,
): string {
  const names = Object.keys(params)
    .filter((name) => !UNSIGNED.has(name) && (withSecurityToken || name !== 'security-token'))
    .sort();
  return `${expires}\n${names.map((name) => `${name}:${params[name]}\n`).join('')}/${bucket}/${channel}`;
}

export function signRtmp(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}
