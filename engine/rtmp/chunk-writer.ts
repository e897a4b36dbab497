import type { RtmpMessage } from './rtmp-message.js';

interface LastHeader {
  streamId: number;
  typeId: number;
  length: number;
  timestamp: number;
}

const EXTENDED = 0xffffff;

/**
 * Messages -> chunks. Headers are compressed against the previous message on the same chunk stream
 * (type 1 when the message stream matches, type 2 when length and type match too); continuation
 * chunks are type 3 and repeat the extended timestamp when there is one, as librtmp and ffmpeg expect.
 */
export class ChunkWriter {
  /** Outgoing chunk size; announce it with Set Chunk Size before changing it. */
  chunkSize = 128;
  private readonly last = new Map<number, LastHeader>();

  /** Encodes one message on chunk stream `csid` (2..65599) into a single buffer. */
  encode(csid: number, message: RtmpMessage): Buffer {
    const { typeId, streamId, body } = message;
    const timestamp = message.timestamp >>> 0;
    const length = body.length;
    const prev = this.last.get(csid);
    let fmt = 0;
    let field = timestamp;
    if (prev && prev.streamId === streamId && timestamp >= prev.timestamp) {
      field = timestamp - prev.timestamp;
      fmt = prev.typeId === typeId && prev.length === length ? 2 : 1;
    }
    this.last.set(csid, { streamId, typeId, length, timestamp });
    const extended = field >= EXTENDED;
    const basic = csid < 64 ? 1 : csid < 320 ? 2 : 3;
    const messageHeader = fmt === 0 ? 11 : fmt === 1 ? 7 : 3;
    const ext = extended ? 4 : 0;
    const chunks = Math.max(1, Math.ceil(length / this.chunkSize));
    const out = Buffer.allocUnsafe(basic + messageHeader + ext + length + (chunks - 1) * (basic + ext));
    let pos = writeBasicHeader(out, 0, fmt, csid);
    out.writeUIntBE(extended ? EXTENDED : field, pos, 3);
    if (fmt <= 1) {
      out.writeUIntBE(length, pos + 3, 3);
      out[pos + 6] = typeId;
    }
    if (fmt === 0) out.writeUInt32LE(streamId, pos + 7);
    pos += messageHeader;
    if (extended) pos = out.writeUInt32BE(field, pos);
    for (let offset = 0; offset < length; ) {
      if (offset > 0) {
        pos = writeBasicHeader(out, pos, 3, csid);
        if (extended) pos = out.writeUInt32BE(field, pos);
      }
      const n = Math.min(this.chunkSize, length - offset);
      out.set(body.subarray(offset, offset + n), pos);
      pos += n;
      offset += n;
    }
    return out;
  }
}

function writeBasicHeader(out: Buffer, pos: number, fmt: number, csid: number): number {
  if (csid < 64) {
    out[pos] = (fmt << 6) | csid;
    return pos + 1;
  }
  if (csid < 320) {
    out[pos] = fmt << 6;
    out[pos + 1] = csid - 64;
    return pos + 2;
  }
  out[pos] = (fmt << 6) | 1;
  out[pos + 1] = (csid - 64) & 0xff;
  out[pos + 2] = (csid - 64) >> 8;
  return pos + 3;
}
