import { createHash } from 'node:crypto';

/** An object's ETag as OSS gives it for a simple upload: the body's MD5, upper-case hex, unquoted. */
export const md5Etag = (body: Uint8Array | string): string => createHash('md5').update(body).digest('hex').toUpperCase();
