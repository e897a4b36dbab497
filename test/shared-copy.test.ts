import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyBytes } from '../engine/shared-copy.js';

const pattern = (length: number, seed: number): Uint8Array => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

test('copies every byte into and out of shared memory at any alignment, and nothing beyond', () => {
  for (const length of [0, 1, 127, 128, 129, 1000, 65_537]) {
    for (const offset of [0, 1, 3, 8]) {
      const source = pattern(length, offset);
      const shared = new Uint8Array(new SharedArrayBuffer(length + 16)).fill(0xee);
      copyBytes(shared, offset, source);
      assert.deepEqual(shared.subarray(offset, offset + length), source, `into shared, ${length} bytes at ${offset}`);
      assert.ok(shared.subarray(0, offset).every((b) => b === 0xee), 'bytes before the copy untouched');
      assert.ok(shared.subarray(offset + length).every((b) => b === 0xee), 'bytes after the copy untouched');
      const back = new Uint8Array(length + 5);
      copyBytes(back, 5, shared.subarray(offset, offset + length));
      assert.deepEqual(back.subarray(5), source, `out of shared, ${length} bytes`);
    }
  }
});

test('a copy past the end of the target is refused, as TypedArray#set refuses it', () => {
  const target = new Uint8Array(new SharedArrayBuffer(256));
  assert.throws(() => copyBytes(target, 200, pattern(100, 0)), RangeError);
  assert.throws(() => copyBytes(target, 250, pattern(10, 0)), RangeError);
});
