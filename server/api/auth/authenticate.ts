import { OssError, accessDenied, invalidArgument } from '../errors.js';
import { type AccessKey, type KeyProvider, findKey } from './keys.js';
import { header } from '../headers.js';
import { type AuthRequest, MAX_SKEW_MS } from './request.js';
import { safeEqual } from './safe-equal.js';
import { SIGNED_SUB_RESOURCES } from './sub-resources.js';
import { signV1, stringToSignV1 } from './v1.js';
import {
  type CanonicalQueryOptions,
  type CredentialScope,
  V4_ALGORITHM,
  canonicalQueryV4,
  canonicalRequestV4,
  parseCredential,
  parseV4Timestamp,
  signV4,
} from './v4.js';

/** `accessKeyId` undefined = anonymous (allowed or not by ACL, decided by the caller). */
export type AuthResult = { readonly ok: true; readonly accessKeyId: string | undefined } | { readonly ok: false; readonly error: OssError };

/**
 * Verifies whatever signature a request carries: V1 or V4 in the Authorization header, or a V1/V4
 * presigned URL. Framework-neutral, so the HTTP API and the HLS edge share it.
 */
export function authenticate(request: AuthRequest, keys: KeyProvider): AuthResult {
  try {
    return { ok: true, accessKeyId: verify(request, keys) };
  } catch (error) {
    if (error instanceof OssError) return { ok: false, error };
    throw error;
  }
}

function verify(request: AuthRequest, keys: KeyProvider): string | undefined {
  const authorization = header(request, 'authorization');
  const q = request.query;
  const presignedV1 = q.has('OSSAccessKeyId') || q.has('Signature') || q.has('Expires');
  const presignedV4 = q.has('x-oss-signature') || q.has('x-oss-credential');
  if (authorization !== undefined && authorization !== '') {
    if (presignedV1 || presignedV4) {
      throw invalidArgument('Authorization header and signature query parameters must not both be present.');
    }
    if (authorization.startsWith('OSS ')) return verifyV1Header(request, authorization.slice(4), keys);
    if (authorization.startsWith(`${V4_ALGORITHM} `)) return verifyV4Header(request, authorization, keys);
    throw invalidArgument('Unsupported Authorization header (livebucket accepts OSS and OSS4-HMAC-SHA256).', undefined, {
      ArgumentName: 'Authorization',
    });
  }
  if (presignedV4) return verifyV4Query(request, keys);
  if (presignedV1) return verifyV1Query(request, keys);
  return undefined;
}

function lookup(keys: KeyProvider, accessKeyId: string, presentedToken: string | undefined): AccessKey {
  const key = findKey(keys, accessKeyId);
  if (!key) {
    throw new OssError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist in our records.', undefined, {
      OSSAccessKeyId: accessKeyId,
    });
  }
  if (key.securityToken !== undefined && !safeEqual(presentedToken ?? '', key.securityToken)) {
    throw new OssError(403, 'InvalidSecurityToken', 'The security token you provided is invalid.');
  }
  return key;
}

function checkSkew(request: AuthRequest, when: number): void {
  if (!Number.isFinite(when)) throw accessDenied('The request date could not be parsed.');
  if (Math.abs(request.now - when) > MAX_SKEW_MS) {
    throw new OssError(403, 'RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.', undefined, {
      MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
    });
  }
}

function mismatch(stringToSign: string, provided: string): OssError {
  return new OssError(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', '0002-00000040', {
    StringToSign: stringToSign,
    SignatureProvided: provided,
  });
}

function verifyV1Header(request: AuthRequest, credentials: string, keys: KeyProvider): string {
  const colon = credentials.lastIndexOf(':');
  if (colon <= 0) throw invalidArgument('Malformed Authorization header.', undefined, { ArgumentName: 'Authorization' });
  const accessKeyId = credentials.slice(0, colon).trim();
  const provided = credentials.slice(colon + 1).trim();
  const dateValue = header(request, 'x-oss-date') ?? header(request, 'date');
  if (dateValue === undefined) throw accessDenied('The request has no Date or x-oss-date header.');
  checkSkew(request, Date.parse(dateValue));
  const key = lookup(keys, accessKeyId, header(request, 'x-oss-security-token'));
  const stringToSign = stringToSignV1(request, dateValue);
  if (!safeEqual(provided, signV1(key.secret, stringToSign))) throw mismatch(stringToSign, provided);
  return accessKeyId;
}

function verifyV1Query(request: AuthRequest, keys: KeyProvider): string {
  const accessKeyId = request.query.get('OSSAccessKeyId');
  const expires = request.query.get('Expires');
  const provided = request.query.get('Signature');
  if (!accessKeyId || !expires || !provided) {
    throw accessDenied('A presigned URL needs OSSAccessKeyId, Expires and Signature.');
  }
  if (!/^\d+$/.test(expires)) throw accessDenied('Expires must be epoch seconds.');
  if (request.now > Number(expires) * 1000) throw accessDenied('Request has expired.');
  const key = lookup(keys, accessKeyId, request.query.get('security-token'));
  const stringToSign = stringToSignV1(request, expires);
  if (!safeEqual(provided, signV1(key.secret, stringToSign))) throw mismatch(stringToSign, provided);
  return accessKeyId;
}

/** `OSS4-HMAC-SHA256 Credential=…,AdditionalHeaders=…,Signature=…`, in any order, spaces tolerated. */
function parseV4Header(authorization: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of authorization.slice(V4_ALGORITHM.length).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return fields;
}

function additionalHeaderList(text: string | undefined): string[] {
  if (!text) return [];
  return [...new Set(text.split(';').map((h) => h.trim().toLowerCase()))].filter((h) => h !== '').sort();
}

function verifyV4Header(request: AuthRequest, authorization: string, keys: KeyProvider): string {
  const fields = parseV4Header(authorization);
  const scope = parseCredential(fields.get('Credential') ?? '');
  const provided = fields.get('Signature');
  if (!scope || !provided) throw invalidArgument('Malformed V4 Authorization header.', undefined, { ArgumentName: 'Authorization' });
  const timestamp = header(request, 'x-oss-date') ?? header(request, 'date');
  if (timestamp === undefined) throw accessDenied('The request has no x-oss-date or Date header.');
  checkSkew(request, parseV4Timestamp(timestamp));
  const key = lookup(keys, scope.accessKeyId, header(request, 'x-oss-security-token'));
  const payload = header(request, 'x-oss-content-sha256') ?? 'UNSIGNED-PAYLOAD';
  matchV4(request, key, scope, timestamp, additionalHeaderList(fields.get('AdditionalHeaders')), payload, provided);
  return scope.accessKeyId;
}

function verifyV4Query(request: AuthRequest, keys: KeyProvider): string {
  const q = request.query;
  if (q.get('x-oss-signature-version') !== V4_ALGORITHM) throw accessDenied('Unsupported x-oss-signature-version.');
  const scope = parseCredential(q.get('x-oss-credential') ?? '');
  const timestamp = q.get('x-oss-date') ?? '';
  const expires = q.get('x-oss-expires') ?? '';
  const provided = q.get('x-oss-signature');
  if (!scope || !provided || !/^\d+$/.test(expires)) throw accessDenied('Malformed V4 presigned URL.');
  const signedAt = parseV4Timestamp(timestamp);
  if (!Number.isFinite(signedAt)) throw accessDenied('x-oss-date could not be parsed.');
  if (signedAt - request.now > MAX_SKEW_MS) checkSkew(request, signedAt);
  if (request.now > signedAt + Number(expires) * 1000) throw accessDenied('Request has expired.');
  const key = lookup(keys, scope.accessKeyId, q.get('x-oss-security-token'));
  matchV4(request, key, scope, timestamp, additionalHeaderList(q.get('x-oss-additional-headers')), 'UNSIGNED-PAYLOAD', provided);
  return scope.accessKeyId;
}

const isFlag = (name: string): boolean => SIGNED_SUB_RESOURCES.has(name);

/** Tries the standard canonical query first, then the renderings of known client quirks. */
function matchV4(
  request: AuthRequest,
  key: AccessKey,
  scope: CredentialScope,
  timestamp: string,
  additionalHeaders: readonly string[],
  payload: string,
  provided: string,
): void {
  const hasEmpty = [...request.query.values()].some((v) => v === '');
  const variants: CanonicalQueryOptions[] = [{ emptyValues: 'bare', isFlag, localeOrder: false }];
  if (hasEmpty) variants.push({ emptyValues: 'ali-oss', isFlag, localeOrder: false });
  variants.push({ emptyValues: 'ali-oss', isFlag, localeOrder: true });
  for (const name of additionalHeaders) {
    if (header(request, name) === undefined) throw accessDenied(`Additional header ${name} is not in the request.`);
  }
  let first = '';
  const tried = new Set<string>();
  for (const options of variants) {
    const query = canonicalQueryV4(request, options);
    if (tried.has(query)) continue;
    tried.add(query);
    const canonical = canonicalRequestV4(request, query, additionalHeaders, payload);
    if (first === '') first = canonical;
    if (safeEqual(provided, signV4(key.secret, scope, timestamp, canonical))) return;
  }
  throw mismatch(first, provided);
}
