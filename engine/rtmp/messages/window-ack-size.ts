import { RtmpError } from '../rtmp-error.js';

export const TYPE_WINDOW_ACK_SIZE = 5;

export function encodeWindowAckSize(size: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(size >>> 0);
  return b;
}

export function decodeWindowAckSize(body: Uint8Array): number {
  if (body.length < 4) throw new RtmpError('Window Acknowledgement Size message shorter than 4 bytes');
  return Buffer.from(body.buffer, body.byteOffset, 4).readUInt32BE(0);
}
