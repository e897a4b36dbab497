import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackTimeline } from '../../engine/ingest/timeline.js';

function map(raws: number[], threshold = 5000) {
  const t = new TrackTimeline(threshold);
  return raws.map((r) => {
    const dts = t.map(r);
    return t.discontinuity ? `${dts}!` : dts;
  });
}

describe('track timeline', () => {
  it('keeps timestamps as sent', () => {
    assert.deepEqual(map([1000, 1033, 1066, 1100]), [1000, 1033, 1066, 1100]);
  });

  it('continues across the 32-bit wrap', () => {
    const w = 2 ** 32;
    assert.deepEqual(map([w - 40, w - 7, 26, 59]), [w - 40, w - 7, w + 26, w + 59]);
  });

  it('a timestamp that does not advance moves the track one frame on', () => {
    assert.deepEqual(map([100, 133, 120, 153, 186]), [100, 133, 166, 199, 232]);
    assert.deepEqual(map([0, 33, 33, 33, 66]), [0, 33, 66, 99, 132]);
  });

  it('marks a jump forwards or backwards once and continues one frame on', () => {
    assert.deepEqual(map([0, 33, 66, 60_066, 60_099, 60_132]), [0, 33, 66, '99!', 132, 165]);
    assert.deepEqual(map([90_000, 90_033, 90_066, 10, 43]), [90_000, 90_033, 90_066, '90099!', 90_132]);
    assert.deepEqual(map([5000, 5033, 5066, 2066, 2099]), [5000, 5033, 5066, '5099!', 5132]);
  });

  it('a gap below the threshold is kept', () => {
    assert.deepEqual(map([0, 33, 4_033, 4_066]), [0, 33, 4_033, 4_066]);
  });
});
