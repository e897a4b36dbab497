import { createHash, type Hash } from 'node:crypto';

/** The ETag of the bytes an MD5 `hash` was fed, as OSS gives it for a simple upload: upper-case hex, unquoted. */
export const etagOf = (hash: Hash): string => hash.digest('hex').toUpperCase();

export const md5Etag = (body: Uint8Array | string): string => etagOf(createHash('md5').update(body));
