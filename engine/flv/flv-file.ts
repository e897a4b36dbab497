import { createReadStream } from 'node:fs';
import { FlvError } from './flv-error.js';

export interface FlvTag {
  /** 8 audio, 9 video, 18 script data. */
  readonly type: number;
  /** ms, 32-bit as in the file (RTMP carries the same value). */
  readonly timestamp: number;
  /** The tag body; a view into memory that is not reused, so it may be kept. */
  readonly body: Uint8Array;
}

const TAG_HEADER = 11;

/** Reads the tags of an FLV file in order, for feeding a pipeline without RTMP. */
export async function* readFlvTags(path: string): AsyncGenerator<FlvTag> {
  let pending: Buffer = Buffer.alloc(0);
  let headerDone = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let pos = 0;
    if (!headerDone) {
      if (pending.length < 9) continue;
      if (pending.toString('latin1', 0, 3) !== 'FLV') throw new FlvError(`${path} is not an FLV file`);
      // Header, then the 4-byte PreviousTagSize0.
      pos = pending.readUInt32BE(5) + 4;
      headerDone = true;
    }
    while (pos + TAG_HEADER <= pending.length) {
      const size = pending.readUIntBE(pos + 1, 3);
      const end = pos + TAG_HEADER + size + 4;
      if (end > pending.length) break;
      const timestamp = (pending.readUIntBE(pos + 4, 3) | (pending[pos + 7]! << 24)) >>> 0;
      yield { type: pending[pos]! & 0x1f, timestamp, body: pending.subarray(pos + TAG_HEADER, pos + TAG_HEADER + size) };
      pos = end;
    }
    pending = pending.subarray(pos);
  }
  if (pending.length > 4) throw new FlvError(`${path} ends inside a tag`);
}
