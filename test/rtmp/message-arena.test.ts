import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageArena, SpareSlabs } from '../../engine/rtmp/message-arena.js';

describe('MessageArena spares', () => {
  it('hands an ended publish’s released slabs to the next arena, and keeps the ones still referenced', () => {
    const spares = new SpareSlabs();
    let released = 0;
    const ended = new MessageArena(() => released, spares);
    // Two slabs: the first filled by small bodies, the second holding a keyframe-sized body of its own.
    const small = Array.from({ length: 4 }, () => ended.alloc(30 * 1024));
    const keyframe = ended.alloc(100 * 1024);
    small.forEach((body, i) => ended.settle(body, i + 1));
    ended.settle(keyframe, 10);
    released = 4;
    // The keyframe's frames (mark 10) are still held at the end: only the first slab may be reused.
    ended.recycle(released);
    const next = new MessageArena(() => 0, spares);
    const reused = next.alloc(1024);
    assert.equal(reused.buffer, small[0]!.buffer, 'the released slab is reused');
    const fresh = next.alloc(100 * 1024);
    assert.notEqual(fresh.buffer, keyframe.buffer, 'a slab still referenced is never handed out');
  });

  it('never hands out a slab with a body that was not settled', () => {
    const spares = new SpareSlabs();
    const ended = new MessageArena(() => Infinity, spares);
    const unsettled = ended.alloc(1024);
    ended.recycle(Infinity);
    const next = new MessageArena(() => 0, spares);
    assert.notEqual(next.alloc(1024).buffer, unsettled.buffer);
  });
});
