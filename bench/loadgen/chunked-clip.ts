import { readFlvTags, type FlvTag } from '../../engine/flv/flv-file.js';
import { ChunkWriter } from '../../engine/rtmp/chunk-writer.js';
import { encodeAmf0 } from '../../engine/rtmp/amf0.js';
import { TYPE_DATA_AMF0 } from '../../engine/rtmp/messages/data.js';

/** Chunk size the load generator announces; large chunks keep the server's header parsing honest but cheap. */
export const PUBLISH_CHUNK_SIZE = 4096;
const CSID_DATA = 4;
const CSID_AUDIO = 6;
const CSID_VIDEO = 7;

/** A contiguous run of chunked messages with the end offset and timestamp of each, for pacing. */
export interface ChunkRun {
  readonly bytes: Buffer;
  /** End offset in `bytes` of message i. */
  readonly ends: Uint32Array;
  /** Timestamp (ms, relative to the start of the loop) of message i. */
  readonly times: Float64Array;
  /** Video frames (not sequence headers) among messages [0, i), for i in 0..count. */
  readonly videoBefore: Uint32Array;
}

/**
 * A clip as RTMP chunks, built once and shared by every publisher. `head` is the first loop (metadata,
 * sequence headers, media from timestamp 0); `loop` is every later loop. Timestamps of later loops
 * continue by `loopMs`; because the chunk headers carry deltas after the first message of each chunk
 * stream, loop 2, 3, … encode to identical bytes, so `loop` is sent again and again unchanged.
 */
export interface ChunkedClip {
  readonly head: ChunkRun;
  readonly loop: ChunkRun;
  readonly loopMs: number;
  readonly streamId: number;
}

const isSequenceHeader = (tag: FlvTag): boolean =>
  (tag.type === 9 && (tag.body[0]! & 0x0f) === 7 && tag.body[1] === 0) ||
  (tag.type === 8 && (tag.body[0]! >> 4) === 10 && tag.body[1] === 0);

function encodeRun(writer: ChunkWriter, tags: readonly FlvTag[], offset: number, streamId: number): ChunkRun {
  const parts: Buffer[] = [];
  const ends = new Uint32Array(tags.length);
  const times = new Float64Array(tags.length);
  const videoBefore = new Uint32Array(tags.length + 1);
  let total = 0;
  for (const [i, tag] of tags.entries()) {
    const csid = tag.type === 9 ? CSID_VIDEO : tag.type === 8 ? CSID_AUDIO : CSID_DATA;
    const body = tag.type === TYPE_DATA_AMF0 ? withoutSetDataFrame(tag.body) : tag.body;
    const chunk = writer.encode(csid, { typeId: tag.type, streamId, timestamp: tag.timestamp + offset, body });
    parts.push(chunk);
    total += chunk.length;
    ends[i] = total;
    times[i] = tag.timestamp;
    videoBefore[i + 1] = videoBefore[i]! + (tag.type === 9 && !isSequenceHeader(tag) ? 1 : 0);
  }
  return { bytes: Buffer.concat(parts, total), ends, times, videoBefore };
}

/** FLV files store `onMetaData`; on the wire an encoder sends `@setDataFrame, onMetaData, {…}`. */
function withoutSetDataFrame(body: Uint8Array): Buffer {
  return Buffer.concat([encodeAmf0('@setDataFrame'), body]);
}

/** AVC end-of-sequence: an encoder sends it once when it stops, never inside a looping stream. */
const isEndOfSequence = (tag: FlvTag): boolean => tag.type === 9 && tag.body[1] === 2;

export async function chunkClip(path: string, streamId = 1): Promise<ChunkedClip> {
  const tags: FlvTag[] = [];
  for await (const tag of readFlvTags(path)) if (!isEndOfSequence(tag)) tags.push(tag);
  const videoTimes = tags.filter((t) => t.type === 9 && !isSequenceHeader(t)).map((t) => t.timestamp);
  const lastVideo = videoTimes[videoTimes.length - 1]!;
  const frameMs = (lastVideo - videoTimes[0]!) / Math.max(1, videoTimes.length - 1);
  // The next loop starts one frame after the last video frame, so the frame rate is unbroken; audio
  // past that point is dropped so both tracks stay monotonic across loops.
  const loopMs = Math.round(lastVideo + frameMs);
  const audioFrameMs = 1024 / 44.1;
  const kept = tags.filter((t) => t.type !== 8 || t.timestamp + audioFrameMs <= loopMs);
  const media = kept.filter((t) => (t.type === 8 || t.type === 9) && !isSequenceHeader(t));
  const writer = new ChunkWriter();
  writer.chunkSize = PUBLISH_CHUNK_SIZE;
  const head = encodeRun(writer, kept, 0, streamId);
  const loop = encodeRun(writer, media, loopMs, streamId);
  const again = encodeRun(writer, media, 2 * loopMs, streamId);
  if (!again.bytes.equals(loop.bytes)) throw new Error('loadgen: clip loops do not encode to identical chunks');
  return { head, loop, loopMs, streamId };
}
