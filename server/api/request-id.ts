import { randomBytes } from 'node:crypto';

const POOL_IDS = 512;
let pool = Buffer.alloc(0);
let offset = 0;

/** 24 upper-case hex characters, as real OSS request ids (the Java suite asserts the length). */
export function newRequestId(): string {
  if (offset === pool.length) {
    // One random read per 512 requests instead of one per request.
    pool = randomBytes(12 * POOL_IDS);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 12).toUpperCase();
  offset += 12;
  return id;
}
