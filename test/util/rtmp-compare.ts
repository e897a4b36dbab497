import assert from 'node:assert/strict';
import type { MediaFrame } from '../../engine/media/types.js';
import type { ProbedPacket } from './media.js';

/**
 * Asserts the frames a sink received are the source file's packets: same count, byte sizes and keyframe
 * flags per track, and DTS/PTS as sent. `shifted` allows what GStreamer's flvmux does: it moves the
 * whole timeline earlier by a constant (the B-frame delay) and clamps the first timestamps at 0, which
 * ingest then spaces apart so DTS keeps increasing.
 */
export function assertFramesMatch(frames: readonly MediaFrame[], packets: readonly ProbedPacket[], options: { shifted?: boolean } = {}): void {
  if (!options.shifted) {
    assert.deepEqual(
      frames.map((f) => `${f.track} ${f.dts} ${f.pts} ${f.data.length}${f.keyframe ? ' K' : ''}`),
      packets.map((p) => `${p.stream} ${p.dts} ${p.pts} ${p.size}${p.stream === 'video' && p.keyframe ? ' K' : ''}`),
    );
    return;
  }
  const offsets: number[] = [];
  for (const track of ['video', 'audio'] as const) {
    const got = frames.filter((f) => f.track === track);
    const want = packets.filter((p) => p.stream === track);
    assert.deepEqual(
      got.map((f) => `${f.data.length}${f.keyframe ? ' K' : ''}`),
      want.map((p) => `${p.size}${track === 'video' && p.keyframe ? ' K' : ''}`),
      `${track} sizes and keyframes`,
    );
    if (got.length === 0) continue;
    const offset = want.at(-1)!.dts - got.at(-1)!.dts;
    offsets.push(offset);
    got.forEach((f, i) => {
      const shifted = want[i]!.dts - offset;
      if (i > 0) assert.ok(f.dts > got[i - 1]!.dts, `${track} frame ${i}: DTS must increase`);
      // Clamped frames arrive with equal DTS; ingest spaces them 1 ms apart (a few ms of shift in all).
      if (shifted < 0) {
        assert.ok(f.dts <= 5, `${track} frame ${i}: clamped frame at ${f.dts}`);
        return;
      }
      assert.ok(Math.abs(f.dts - shifted) <= 1, `${track} frame ${i}: dts ${f.dts}, source ${want[i]!.dts} - ${offset}`);
      assert.ok(Math.abs(f.pts - f.dts - (want[i]!.pts - want[i]!.dts)) <= 1, `${track} frame ${i}: composition time`);
    });
  }
  assert.ok(Math.max(...offsets) - Math.min(...offsets) <= 1, `one shift for all tracks: ${offsets.join(', ')}`);
}
