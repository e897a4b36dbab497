import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forcedCutBoundMs, Segmenter, targetDurationFor, type SegmentCut } from '../../engine/hls/segmenter.js';
import type { MediaFrame } from '../../engine/media/types.js';

const DATA = new Uint8Array(1);

interface StreamShape {
  readonly seconds: number;
  readonly fps?: number;
  /** Keyframe interval in frames; Infinity for only the first. */
  readonly gop?: number;
  readonly audio?: boolean;
  readonly video?: boolean;
  /** Added to every timestamp. */
  readonly offsetMs?: number;
}

/** Interleaved frames in DTS order, as an encoder sends them: ms timestamps like FLV's. */
function stream(shape: StreamShape): MediaFrame[] {
  const { seconds, fps = 30, gop = 60, audio = true, video = true, offsetMs = 0 } = shape;
  const frames: MediaFrame[] = [];
  if (video) {
    for (let i = 0; i < seconds * fps; i++) {
      const dts = offsetMs + Math.round((i * 1000) / fps);
      frames.push({ track: 'video', dts, pts: dts + 67, keyframe: i % gop === 0, data: DATA, discontinuity: false });
    }
  }
  if (audio) {
    for (let i = 0; (i * 1024) / 44.1 < seconds * 1000; i++) {
      const dts = offsetMs + Math.round((i * 1024) / 44.1);
      frames.push({ track: 'audio', dts, pts: dts, keyframe: false, data: DATA, discontinuity: false });
    }
  }
  return frames.sort((a, b) => a.dts - b.dts || (a.track === 'video' ? -1 : 1));
}

function segmenter(fragDurationS: number, video = true): Segmenter {
  const s = new Segmenter(fragDurationS * 1000);
  s.configure(video, undefined, 44100);
  return s;
}

const durations = (cuts: readonly SegmentCut[]) => cuts.slice(1).map((c) => c.closedDurationMs);

describe('Segmenter', () => {
  it('cuts at every keyframe when the GOP equals FragDuration, with exact durations', () => {
    const frames = stream({ seconds: 10, gop: 60 });
    const cuts = segmenter(2).push(frames);
    assert.equal(cuts[0]!.index, 0);
    assert.deepEqual(durations(cuts), [2000, 2000, 2000, 2000]);
    for (const cut of cuts) {
      assert.equal(frames[cut.index]!.keyframe, true);
      assert.equal(cut.forced, false);
      assert.equal(cut.discontinuity, false);
    }
  });

  it('waits for the first keyframe at or past FragDuration (1 s GOP, FragDuration 2.5 s)', () => {
    const cuts = segmenter(2.5).push(stream({ seconds: 10, gop: 30 }));
    assert.deepEqual(durations(cuts), [3000, 3000, 3000]);
  });

  it('accepts a keyframe half a frame early (jittered timestamps)', () => {
    const frames = stream({ seconds: 6, gop: 60 }).map((f) => (f.track === 'video' && f.keyframe && f.dts > 0 ? { ...f, dts: f.dts - 10 } : f));
    const cuts = segmenter(2).push(frames);
    assert.deepEqual(durations(cuts), [1990, 2000]);
  });

  it('cuts a 20 s GOP with FragDuration 2 at each keyframe, never before', () => {
    const frames = stream({ seconds: 65, gop: 600 });
    const cuts = segmenter(2).push(frames);
    assert.deepEqual(durations(cuts), [20000, 20000, 20000]);
    assert.ok(cuts.every((c) => frames[c.index]!.keyframe && !c.forced));
  });

  it('forces a cut at max(2 x FragDuration, 60 s) when no keyframe comes', () => {
    assert.equal(forcedCutBoundMs(2000), 60000);
    assert.equal(forcedCutBoundMs(40000), 80000);
    const frames = stream({ seconds: 150, gop: Infinity });
    const s = segmenter(2);
    const cuts = s.push(frames);
    assert.deepEqual(durations(cuts), [60000, 60000]);
    assert.deepEqual(cuts.map((c) => c.forced), [false, true, true]);
    assert.equal(s.finish(), 150000 - 120000);
  });

  it('starts one segment marked as a discontinuity at a timestamp jump flagged on both tracks', () => {
    const before = stream({ seconds: 3, gop: 60 });
    const after = stream({ seconds: 3, gop: 60, offsetMs: 500_000 });
    for (const track of ['audio', 'video'] as const) {
      const i = after.findIndex((f) => f.track === track);
      after[i] = { ...after[i]!, discontinuity: true };
    }
    const frames = [...before, ...after];
    const cuts = segmenter(2).push(frames);
    assert.equal(cuts.length, 4);
    const jump = cuts[2]!;
    assert.equal(jump.index, before.length);
    assert.equal(jump.discontinuity, true);
    // The segment before the jump ends one frame after its last video frame (2967 + 33 - 2000).
    assert.equal(jump.closedDurationMs, 1000);
    assert.equal(cuts[3]!.closedDurationMs, 2000);
    assert.equal(cuts[3]!.discontinuity, false);
  });

  it('cuts an audio-only stream on audio frames at FragDuration', () => {
    const frames = stream({ seconds: 7, video: false });
    const cuts = segmenter(2, false).push(frames);
    assert.equal(cuts.length, 4);
    for (const d of durations(cuts)) assert.ok(Math.abs(d! - 2000) <= 12, `duration ${d}`);
  });

  it('never cuts a stream with video on audio frames', () => {
    const frames = stream({ seconds: 9, gop: 120 });
    const cuts = segmenter(2).push(frames);
    assert.ok(cuts.every((c) => frames[c.index]!.track === 'video' && frames[c.index]!.keyframe));
    assert.deepEqual(durations(cuts), [4000, 4000]);
  });

  it('gives the same cuts however the frames are batched (media time, not arrival)', () => {
    const frames = stream({ seconds: 12, gop: 45 });
    const whole = segmenter(2).push(frames);
    const s = segmenter(2);
    const pieces: SegmentCut[] = [];
    for (let start = 0; start < frames.length; start += 7) {
      for (const cut of s.push(frames.slice(start, start + 7))) pieces.push({ ...cut, index: cut.index + start });
    }
    assert.deepEqual(pieces, whole);
  });

  it('ends the last segment one frame after its last video frame', () => {
    const s = segmenter(2);
    s.push(stream({ seconds: 3, gop: 60 }));
    assert.equal(s.finish(), 2967 + 33 - 2000);
    assert.equal(s.finish(), undefined);
  });
});

describe('target duration', () => {
  it('is fixed a second above the first segment and FragDuration, at most the forced-cut bound', () => {
    assert.equal(targetDurationFor(2000, 2000), 3);
    assert.equal(targetDurationFor(5000, 6000), 7);
    assert.equal(targetDurationFor(2000, 20000), 21);
    assert.equal(targetDurationFor(2000, 60000), 60);
    assert.equal(targetDurationFor(5000, 400), 6);
  });

  it('forces a cut before a later, longer GOP could exceed it', () => {
    const s = segmenter(2);
    const steady = stream({ seconds: 4, gop: 60 });
    // Then the encoder switches to a 6 s GOP.
    const longer = stream({ seconds: 12, gop: 180, offsetMs: 4000 });
    const frames = [...steady, ...longer];
    const cuts = s.push(frames);
    assert.equal(s.targetDurationS, 3);
    for (const d of durations(cuts)) assert.ok(Math.round(d! / 1000) <= 3, `EXTINF ${d} ms`);
    assert.ok(cuts.some((c) => c.forced));
    assert.ok(cuts.filter((c) => !c.forced).every((c) => frames[c.index]!.keyframe));
  });

  it('is decided at unpublish when the publish never closed a segment before', () => {
    const s = segmenter(5);
    s.push(stream({ seconds: 3, gop: 60 }));
    assert.equal(s.targetDurationS, undefined);
    s.finish();
    assert.equal(s.targetDurationS, 6);
  });
});
