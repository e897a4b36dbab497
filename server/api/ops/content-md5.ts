import { createHash } from 'node:crypto';
import { header } from '../headers.js';
import type { OssRequest } from '../context.js';
import { OssError } from '../errors.js';

/** MD5 of the body; 400 InvalidDigest when a Content-MD5 header disagrees with it. */
export function verifiedMd5(request: OssRequest, body: Buffer): Buffer {
  const md5 = createHash('md5').update(body).digest();
  const claimed = header(request, 'content-md5');
  if (claimed !== undefined && claimed !== md5.toString('base64')) {
    throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', undefined, { 'Content-MD5': claimed });
  }
  return md5;
}
