import { timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of a provided signature with the expected one. */
export function safeEqual(provided: string, expected: string): boolean {
  const a = Buffer.from(provided, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // Length is not secret (it is fixed by the algorithm); only the content comparison must not leak.
  return a.length === b.length && timingSafeEqual(a, b);
}
