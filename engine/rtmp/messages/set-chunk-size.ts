import { RtmpError } from '../rtmp-error.js';

export const TYPE_SET_CHUNK_SIZE = 1;

export function encodeSetChunkSize(size: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(size & 0x7fffffff);
  return b;
}

/** The new chunk size, checked against 1..maxChunkSize (the top bit must be 0). */
export function decodeSetChunkSize(body: Uint8Array, maxChunkSize: number): number {
  if (body.length < 4) throw new RtmpError('Set Chunk Size message shorter than 4 bytes');
  const size = Buffer.from(body.buffer, body.byteOffset, 4).readUInt32BE(0);
  if (size === 0 || size > 0x7fffffff) throw new RtmpError(`Set Chunk Size ${size} is invalid`);
  if (size > maxChunkSize) throw new RtmpError(`Set Chunk Size ${size} exceeds the limit of ${maxChunkSize}`);
  return size;
}
