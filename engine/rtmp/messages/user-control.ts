import { RtmpError } from '../rtmp-error.js';

export const TYPE_USER_CONTROL = 4;

export const EVENT_STREAM_BEGIN = 0;
export const EVENT_PING_REQUEST = 6;
export const EVENT_PING_RESPONSE = 7;

export interface UserControlEvent {
  readonly event: number;
  /** First 32-bit parameter (stream id, or ping timestamp); 0 when absent. */
  readonly value: number;
}

export function encodeUserControl(event: number, value: number): Buffer {
  const b = Buffer.allocUnsafe(6);
  b.writeUInt16BE(event);
  b.writeUInt32BE(value >>> 0, 2);
  return b;
}

export function decodeUserControl(body: Uint8Array): UserControlEvent {
  if (body.length < 2) throw new RtmpError('User Control message shorter than 2 bytes');
  const b = Buffer.from(body.buffer, body.byteOffset, body.length);
  return { event: b.readUInt16BE(0), value: body.length >= 6 ? b.readUInt32BE(2) : 0 };
}
