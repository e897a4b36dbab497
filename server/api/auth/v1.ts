import { createHmac } from 'node:crypto';
import { header } from '../headers.js';
import { type AuthRequest, ossHeaders } from './request.js';
import { SIGNED_SUB_RESOURCES } from './sub-resources.js';

/** `/{bucket}/{key}` with the raw key, then the signed sub-resources sorted, bare names for empty values. */
function canonicalResourceV1(request: AuthRequest): string {
  let resource = request.bucket === undefined ? '/' : `/${request.bucket}/${request.key}`;
  const signed = [...request.query.keys()].filter((name) => SIGNED_SUB_RESOURCES.has(name)).sort();
  if (signed.length > 0) {
    resource +=
      '?' +
      signed
        .map((name) => {
          const value = request.query.get(name)!;
          return value === '' ? name : `${name}=${value}`;
        })
        .join('&');
  }
  return resource;
}

/** The V1 StringToSign; `dateValue` is the Date/x-oss-date header, or Expires for presigned URLs. */
export function stringToSignV1(request: AuthRequest, dateValue: string): string {
  let text = `${request.method}\n${header(request, 'content-md5') ?? ''}\n${header(request, 'content-type') ?? ''}\n`;
  text += `${dateValue}\n`;
  for (const [name, value] of ossHeaders(request)) text += `${name}:${value}\n`;
  return text + canonicalResourceV1(request);
}

export function signV1(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}
