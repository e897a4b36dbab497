import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkReader, type ChunkReaderLimits } from '../../engine/rtmp/chunk-reader.js';
import { ChunkWriter } from '../../engine/rtmp/chunk-writer.js';
import { encodeSetChunkSize } from '../../engine/rtmp/messages/set-chunk-size.js';
import { RtmpError } from '../../engine/rtmp/rtmp-error.js';
import type { RtmpMessage } from '../../engine/rtmp/rtmp-message.js';

const limits: ChunkReaderLimits = { maxMessageSize: 1 << 20, maxChunkSize: 1 << 20, maxChunkStreams: 16 };

function body(n: number, seed: number): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 255));
}

function readAll(bytes: Buffer, pieceSize: number, l = limits): RtmpMessage[] {
  const out: RtmpMessage[] = [];
  const reader = new ChunkReader(l, (typeId, streamId, timestamp, b) => out.push({ typeId, streamId, timestamp, body: Buffer.from(b) }));
  for (let i = 0; i < bytes.length; i += pieceSize) reader.push(bytes.subarray(i, i + pieceSize));
  return out;
}

describe('chunk stream', () => {
  const messages: [number, RtmpMessage][] = [
    [3, { typeId: 20, streamId: 0, timestamp: 0, body: body(300, 1) }],
    [63, { typeId: 9, streamId: 1, timestamp: 10, body: body(1000, 2) }],
    [63, { typeId: 9, streamId: 1, timestamp: 43, body: body(1000, 3) }],
    [63, { typeId: 9, streamId: 1, timestamp: 76, body: body(10, 4) }],
    [64, { typeId: 8, streamId: 1, timestamp: 0xfffffe, body: body(129, 5) }],
    [64, { typeId: 8, streamId: 1, timestamp: 0x1000010, body: body(400, 6) }],
    [319, { typeId: 8, streamId: 1, timestamp: 0xffffffff, body: body(0, 7) }],
    [320, { typeId: 18, streamId: 1, timestamp: 5, body: body(256, 8) }],
    [65599, { typeId: 9, streamId: 7, timestamp: 0x7fffffff, body: body(777, 9) }],
  ];

  it('reads back what the writer wrote, whatever the socket read sizes, across a chunk size change', () => {
    const w = new ChunkWriter();
    const parts = messages.slice(0, 4).map(([csid, m]) => w.encode(csid, m));
    parts.push(w.encode(2, { typeId: 1, streamId: 0, timestamp: 0, body: encodeSetChunkSize(100) }));
    w.chunkSize = 100;
    parts.push(...messages.slice(4).map(([csid, m]) => w.encode(csid, m)));
    const stream = Buffer.concat(parts);
    for (const piece of [1, 7, 18, 4096, stream.length]) {
      assert.deepEqual(readAll(stream, piece), messages.map(([, m]) => m), `read in pieces of ${piece}`);
    }
  });

  it('reassembles interleaved chunk streams and honours Abort', () => {
    const w = new ChunkWriter();
    const a = w.encode(4, { typeId: 9, streamId: 1, timestamp: 40, body: body(300, 1) });
    const b = w.encode(6, { typeId: 8, streamId: 1, timestamp: 41, body: body(200, 2) });
    // a = 12+128 | 1+128 | 1+44 bytes, b = 12+128 | 1+72 bytes
    const partial = w.encode(7, { typeId: 9, streamId: 1, timestamp: 1, body: body(400, 3) }).subarray(0, 140);
    const abort = w.encode(2, { typeId: 2, streamId: 0, timestamp: 0, body: Buffer.from([0, 0, 0, 7]) });
    const next = w.encode(7, { typeId: 9, streamId: 1, timestamp: 2, body: body(5, 4) });
    const stream = Buffer.concat([a.subarray(0, 140), b.subarray(0, 140), partial, a.subarray(140, 269), abort, b.subarray(140), a.subarray(269), next]);
    const got = readAll(stream, 50);
    assert.deepEqual(
      got.map((m) => [m.typeId, m.timestamp, m.body.length]),
      [[8, 41, 200], [9, 40, 300], [9, 2, 5]],
    );
    assert.deepEqual(got[1]!.body, body(300, 1));
  });

  it('accepts type-3 continuations with or without a repeated extended timestamp', () => {
    const payload = body(200, 9);
    const header = Buffer.from([0x04, 0xff, 0xff, 0xff, 0, 0, 200, 9, 1, 0, 0, 0, 0x01, 0x00, 0x00, 0x00]);
    const withRepeat = Buffer.concat([header, payload.subarray(0, 128), Buffer.from([0xc4, 0x01, 0x00, 0x00, 0x00]), payload.subarray(128)]);
    const withoutRepeat = Buffer.concat([header, payload.subarray(0, 128), Buffer.from([0xc4]), payload.subarray(128)]);
    for (const stream of [withRepeat, withoutRepeat]) {
      const [m] = readAll(stream, 3);
      assert.equal(m!.timestamp, 0x01000000);
      assert.deepEqual(m!.body, payload);
    }
  });

  it('applies header compression: type 3 starting a message repeats the delta', () => {
    const one = Buffer.from([0x05, 0, 0, 100, 0, 0, 1, 8, 1, 0, 0, 0, 0xaa]);
    const delta = Buffer.from([0x85, 0, 0, 20, 0xbb]); // type 2: delta 20
    const repeat = Buffer.from([0xc5, 0xcc]); // type 3: delta 20 again
    const got = readAll(Buffer.concat([one, delta, repeat]), 1);
    assert.deepEqual(got.map((m) => m.timestamp), [100, 120, 140]);
  });

  it('rejects malformed chunk streams with RtmpError', () => {
    const w = new ChunkWriter();
    const cases: [string, Buffer, RegExp][] = [
      ['continuation of an unknown chunk stream', Buffer.from([0xc9, 1, 2, 3]), /chunk stream 9 starts with a type-3 header/],
      ['chunk size 0', w.encode(2, { typeId: 1, streamId: 0, timestamp: 0, body: encodeSetChunkSize(0) }), /Set Chunk Size 0 is invalid/],
      ['chunk size 2^31', new ChunkWriter().encode(2, { typeId: 1, streamId: 0, timestamp: 0, body: Buffer.from([0x80, 0, 0, 0]) }), /invalid/],
      ['chunk size over the limit', new ChunkWriter().encode(2, { typeId: 1, streamId: 0, timestamp: 0, body: encodeSetChunkSize((1 << 20) + 1) }), /exceeds the limit/],
      ['message over the limit', Buffer.from([0x04, 0, 0, 0, 0x10, 0, 1, 9, 1, 0, 0, 0]), /exceeds the limit of 1048576/],
      ['new message before the last one finished', Buffer.concat([Buffer.from([0x04, 0, 0, 0, 0, 1, 0, 9, 1, 0, 0, 0]), Buffer.alloc(128), Buffer.from([0x44, 0, 0, 0, 0, 0, 1, 9])]), /before finishing/],
    ];
    for (const [name, bytes, error] of cases) {
      assert.throws(() => readAll(bytes, bytes.length), (e: unknown) => e instanceof RtmpError && error.test(e.message), name);
    }
    const tooMany = Buffer.concat(Array.from({ length: 17 }, (_, i) => new ChunkWriter().encode(10 + i, { typeId: 9, streamId: 1, timestamp: 0, body: body(1, 0) })));
    assert.throws(() => readAll(tooMany, 1000), /more than 16 chunk streams/);
  });
});
