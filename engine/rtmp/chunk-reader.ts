import { MessageArena, NO_PROGRESS } from './message-arena.js';
import { decodeAbort, TYPE_ABORT } from './messages/abort.js';
import { decodeSetChunkSize, TYPE_SET_CHUNK_SIZE } from './messages/set-chunk-size.js';
import { RtmpError } from './rtmp-error.js';

export interface ChunkReaderLimits {
  /** Largest message body accepted (the 24-bit length field allows up to 16 MiB - 1). */
  readonly maxMessageSize: number;
  /** Largest Set Chunk Size accepted. */
  readonly maxChunkSize: number;
  /** Distinct chunk stream ids a peer may use. */
  readonly maxChunkStreams: number;
}

export type MessageListener = (typeId: number, streamId: number, timestamp: number, body: Buffer) => void;

/** Per chunk stream id: the last header (for compressed headers) and the message being assembled. */
interface ChunkStream {
  timestamp: number;
  /** Timestamp delta a type-3 header starting a new message repeats. */
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  /** The last type 0/1/2 header's timestamp field was 0xFFFFFF: type-3 chunks may repeat the 4 bytes. */
  extended: number | undefined;
  body: Buffer | undefined;
  filled: number;
}

/** 3-byte basic header + 11-byte type-0 header + 4-byte extended timestamp. */
const MAX_HEADER = 18;
const EXTENDED = 0xffffff;

/**
 * RTMP chunk stream -> messages (RTMP spec 5.3). Fed socket reads of any size; handles 1/2/3-byte basic
 * headers, message header types 0-3, extended timestamps (also on type-3 continuations), interleaved
 * chunk streams, Set Chunk Size and Abort. Other messages go to the listener, in order, synchronously.
 * Message bodies come from a MessageArena: a body is reused only after the listener settled it and the
 * consumer's progress passed its mark, so a listener that never settles may keep views of bodies forever.
 * Throws RtmpError on anything malformed or over a limit; the reader is unusable afterwards.
 */
export class ChunkReader {
  private chunkSize = 128;
  private readonly streams = new Map<number, ChunkStream>();
  private arena: MessageArena;
  /** Start of a header split across socket reads. */
  private carry: Buffer | undefined;
  /** The chunk whose payload is being received, and how many of its bytes are still to come. */
  private current: ChunkStream | undefined;
  private payloadLeft = 0;
  /** Bytes of announced but unfinished messages, bounded so interleaving cannot pin unbounded memory. */
  private pendingBytes = 0;

  constructor(
    private readonly limits: ChunkReaderLimits,
    private readonly onMessage: MessageListener,
    private readonly progress: () => number = NO_PROGRESS,
  ) {
    this.arena = new MessageArena(progress);
  }

  /** A message the listener was given is handled; see MessageArena.settle. */
  settle(body: Uint8Array, mark: number): void {
    this.arena.settle(body, mark);
  }

  /**
   * Bodies from here on come from another arena: the old one's slabs are not reused by this reader (a new
   * consumer's progress counts from zero while the old one may still hold frames). Returns the old arena,
   * to recycle once its consumer is done.
   */
  renewArena(): MessageArena {
    const ended = this.arena;
    this.arena = new MessageArena(this.progress);
    return ended;
  }

  /** Keeps no view of `data` once it returns: socket reads share one buffer (see shared-reads). */
  push(data: Buffer): void {
    let pos = 0;
    if (this.carry) {
      const joined = Buffer.concat([this.carry, data.subarray(0, MAX_HEADER)]);
      const used = this.readHeader(joined, 0);
      if (used < 0) {
        this.carry = joined;
        return;
      }
      const carried = this.carry;
      this.carry = undefined;
      if (used < carried.length) {
        // A peeked extended timestamp turned out to be payload: those carried bytes come first.
        data = Buffer.concat([carried.subarray(used), data]);
      } else {
        pos = used - carried.length;
      }
    }
    while (pos < data.length) {
      if (this.payloadLeft > 0) {
        const cs = this.current!;
        const n = Math.min(this.payloadLeft, data.length - pos);
        data.copy(cs.body!, cs.filled, pos, pos + n);
        cs.filled += n;
        pos += n;
        this.payloadLeft -= n;
        if (this.payloadLeft === 0) this.endChunk(cs);
        continue;
      }
      const used = this.readHeader(data, pos);
      if (used < 0) {
        this.carry = Buffer.from(data.subarray(pos));
        return;
      }
      pos += used;
    }
  }

  /** Parses one chunk header at `pos`; returns its length, or -1 when `buf` ends inside it. */
  private readHeader(buf: Buffer, pos: number): number {
    const start = pos;
    const end = buf.length;
    const fmt = buf[pos]! >> 6;
    let csid = buf[pos]! & 0x3f;
    pos++;
    if (csid === 0) {
      if (pos + 1 > end) return -1;
      csid = 64 + buf[pos]!;
      pos++;
    } else if (csid === 1) {
      if (pos + 2 > end) return -1;
      csid = 64 + buf[pos]! + buf[pos + 1]! * 256;
      pos += 2;
    }
    const headerSize = fmt === 0 ? 11 : fmt === 1 ? 7 : fmt === 2 ? 3 : 0;
    if (pos + headerSize > end) return -1;
    let cs = this.streams.get(csid);
    if (!cs) {
      if (fmt !== 0) throw new RtmpError(`chunk stream ${csid} starts with a type-${fmt} header, which needs an earlier message`);
      if (this.streams.size >= this.limits.maxChunkStreams) throw new RtmpError(`more than ${this.limits.maxChunkStreams} chunk streams`);
    }
    const inProgress = cs !== undefined && cs.body !== undefined;
    if (inProgress && fmt !== 3) throw new RtmpError(`chunk stream ${csid} starts a new message before finishing the last one`);

    if (fmt === 3) {
      let ext = cs!.extended;
      if (ext !== undefined) {
        if (pos + 4 > end) return -1;
        const value = buf.readUInt32BE(pos);
        // Continuations repeat the extended timestamp in librtmp and ffmpeg but not in every encoder:
        // consume it only when it matches. A new message's type-3 header always carries it.
        if (!inProgress || value === ext) {
          pos += 4;
          ext = value;
          cs!.extended = value;
        }
      }
      if (!inProgress) this.beginMessage(csid, cs!, ext ?? cs!.delta, cs!.length);
      this.beginChunk(cs!);
      return pos - start;
    }

    let field = buf.readUIntBE(pos, 3);
    const length = fmt <= 1 ? buf.readUIntBE(pos + 3, 3) : cs!.length;
    const typeId = fmt <= 1 ? buf[pos + 6]! : cs!.typeId;
    const streamId = fmt === 0 ? buf.readUInt32LE(pos + 7) : cs!.streamId;
    pos += headerSize;
    let extended: number | undefined;
    if (field === EXTENDED) {
      if (pos + 4 > end) return -1;
      field = buf.readUInt32BE(pos);
      extended = field;
      pos += 4;
    }
    if (!cs) {
      cs = { timestamp: 0, delta: 0, length: 0, typeId: 0, streamId: 0, extended: undefined, body: undefined, filled: 0 };
      this.streams.set(csid, cs);
    }
    cs.extended = extended;
    cs.typeId = typeId;
    cs.streamId = streamId;
    if (fmt === 0) {
      // A type-3 header after a type-0 one repeats its timestamp field as the delta (RTMP spec 5.3.1.2.4).
      cs.timestamp = 0;
    }
    this.beginMessage(csid, cs, field, length);
    this.beginChunk(cs);
    return pos - start;
  }

  private beginMessage(csid: number, cs: ChunkStream, delta: number, length: number): void {
    if (length > this.limits.maxMessageSize) {
      throw new RtmpError(`message of ${length} bytes on chunk stream ${csid} exceeds the limit of ${this.limits.maxMessageSize}`);
    }
    if (this.pendingBytes + length > 2 * this.limits.maxMessageSize) {
      throw new RtmpError(`interleaved unfinished messages exceed ${2 * this.limits.maxMessageSize} bytes`);
    }
    cs.delta = delta;
    cs.timestamp = (cs.timestamp + delta) >>> 0;
    cs.length = length;
    cs.body = this.arena.alloc(length);
    cs.filled = 0;
    this.pendingBytes += length;
  }

  private beginChunk(cs: ChunkStream): void {
    this.current = cs;
    this.payloadLeft = Math.min(this.chunkSize, cs.length - cs.filled);
    if (this.payloadLeft === 0) this.endChunk(cs);
  }

  private endChunk(cs: ChunkStream): void {
    if (cs.filled < cs.length) return;
    const body = cs.body!;
    cs.body = undefined;
    this.pendingBytes -= cs.length;
    if (cs.typeId === TYPE_SET_CHUNK_SIZE) {
      this.chunkSize = decodeSetChunkSize(body, this.limits.maxChunkSize);
      this.arena.settle(body, -Infinity);
    } else if (cs.typeId === TYPE_ABORT) {
      this.abort(decodeAbort(body));
      this.arena.settle(body, -Infinity);
    } else {
      this.onMessage(cs.typeId, cs.streamId, cs.timestamp, body);
    }
  }

  private abort(csid: number): void {
    const cs = this.streams.get(csid);
    if (!cs?.body) return;
    this.pendingBytes -= cs.length;
    this.arena.settle(cs.body, -Infinity);
    cs.body = undefined;
  }
}
