import { randomBytes } from 'node:crypto';

// 24 upper-case hex characters like OSS: 8 random per process, then a counter (cheap, unique per process).
const prefix = randomBytes(4).toString('hex').toUpperCase();
let counter = 0;

export function nextRequestId(): string {
  counter = (counter + 1) % 0x1_0000_0000_0000;
  return prefix + counter.toString(16).toUpperCase().padStart(16, '0');
}
