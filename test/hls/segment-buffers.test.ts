import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SegmentAssembler } from '../../engine/hls/segment-assembler.js';
import { SegmentBufferPool } from '../../engine/hls/segment-buffers.js';

describe('segment buffers', () => {
  it('reuses a segment buffer only once the writer and every retainer have let go', () => {
    const pool = new SegmentBufferPool();
    const assembler = new SegmentAssembler(pool, 64 << 10);
    assembler.append(Buffer.alloc(50_000, 1));
    const first = assembler.take();
    const releaseByEdge = first.owner.retain();
    first.owner.release();
    // The edge still holds the bytes: segments assembled meanwhile must land elsewhere.
    for (let i = 0; i < 3; i++) {
      assembler.append(Buffer.alloc(50_000, 2 + i));
      const next = assembler.take();
      assert.notEqual(next.body.buffer, first.body.buffer);
      next.owner.release();
    }
    assert.ok(first.body.every((b) => b === 1), 'a retained body is never overwritten');
    releaseByEdge();
    releaseByEdge();
    const reused = [pool.take(50_000), pool.take(50_000), pool.take(50_000)];
    assert.ok(reused.some((b) => b.buffer === first.body.buffer), 'released buffers go back to the pool');
    assert.throws(() => first.owner.retain(), /retained after its release/);
  });

  it('grows a segment past its buffer without losing bytes', () => {
    const assembler = new SegmentAssembler(new SegmentBufferPool(), 64 << 10);
    const parts = [Buffer.alloc(60_000, 7), Buffer.alloc(100_000, 8), Buffer.alloc(188, 9)];
    for (const part of parts) assembler.append(part);
    const { body } = assembler.take();
    assert.deepEqual(body, Buffer.concat(parts));
  });
});
