import { RtmpError } from '../rtmp-error.js';

export const TYPE_AGGREGATE = 22;

/**
 * Splits an aggregate message into its FLV-tag-framed sub-messages. Sub-message timestamps are shifted
 * so the first one lands on the aggregate's own timestamp.
 */
export function forEachAggregatePart(
  body: Buffer,
  timestamp: number,
  visit: (typeId: number, timestamp: number, body: Buffer) => void,
): void {
  let pos = 0;
  let base: number | undefined;
  while (pos + 11 <= body.length) {
    const type = body[pos]!;
    const size = (body[pos + 1]! << 16) | (body[pos + 2]! << 8) | body[pos + 3]!;
    const ts = ((body[pos + 4]! << 16) | (body[pos + 5]! << 8) | body[pos + 6]! | (body[pos + 7]! << 24)) >>> 0;
    const end = pos + 11 + size;
    if (end > body.length) throw new RtmpError('aggregate sub-message runs past the end of its message');
    base ??= ts;
    visit(type, (timestamp + ts - base) >>> 0, body.subarray(pos + 11, end));
    pos = end + 4; // back pointer
  }
}
