import { RtmpError } from '../rtmp-error.js';

export const TYPE_ABORT = 2;

/** The chunk stream id whose partly received message is to be discarded. */
export function decodeAbort(body: Uint8Array): number {
  if (body.length < 4) throw new RtmpError('Abort message shorter than 4 bytes');
  return Buffer.from(body.buffer, body.byteOffset, 4).readUInt32BE(0);
}
