import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { MediaFrame } from '../../engine/media/types.js';
import { createInlineMuxBackend } from '../../engine/mux/inline-backend.js';
import { createPoolMuxBackend } from '../../engine/mux/pool-backend.js';
import type { MuxBackend, TsOutput } from '../../engine/mux/types.js';
import { decode, makeClip, probeStreams } from '../util/media.js';
import { checkTs } from '../util/ts-checker.js';
import { keyframeBatches, readClipFrames, type ClipFrames } from './clip-frames.js';

const scratch = mkdtempSync(join(tmpdir(), 'livebucket-mux-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  readonly segments: Buffer[];
  readonly stream: Buffer;
}

/** Muxes a clip in batches, a segment per key frame; copies each output before releasing it. */
async function muxClip(backend: MuxBackend, clip: ClipFrames, batchSize: number, frames = clip.frames): Promise<Run> {
  const muxer = backend.open();
  muxer.configure(clip.video, clip.audio);
  const segments: Buffer[][] = [[]];
  for (const batch of keyframeBatches(frames, batchSize)) {
    const out = await muxer.mux(batch.frames, batch.cuts);
    out.parts.forEach((part, k) => {
      if (k > 0) segments.push([]);
      segments[segments.length - 1]!.push(Buffer.from(part));
    });
    out.release();
  }
  const joined = segments.map((s) => Buffer.concat(s));
  return { segments: joined, stream: Buffer.concat(joined) };
}

/**
 * What `ffmpeg -v error -i file -f null -` prints. decode() from test/util/media.ts passes an HLS-only
 * option that ffmpeg refuses for a .ts input, so it is used here for frame counts only.
 */
async function ffmpegErrors(path: string): Promise<string> {
  const { stderr } = await promisify(execFile)('ffmpeg', ['-v', 'error', '-i', path, '-f', 'null', '-']);
  return stderr.trim();
}

function writeTs(name: string, bytes: Uint8Array): string {
  const path = join(scratch, name);
  writeFileSync(path, bytes);
  return path;
}

function assertClean(run: Run): void {
  const report = checkTs(run.segments);
  assert.deepEqual(report.errors, []);
  for (const segment of report.segments) {
    assert.ok(segment.startsWithPsi, 'segment opens with PAT, PMT');
    assert.ok(segment.pcrBeforeFirstPes, 'first PES has a PCR');
    assert.ok(segment.maxPcrGapMs <= 100, `PCR gap ${segment.maxPcrGapMs} ms`);
  }
}

describe('WASM MPEG-TS muxer', () => {
  let clipPath: string;
  let clip: ClipFrames;
  let source: { videoFrames: number; audioFrames: number };
  let inline: MuxBackend;
  let reference: Run;

  before(async () => {
    clipPath = await makeClip({ seconds: 4, gop: 30, width: 320, height: 180 });
    clip = await readClipFrames(clipPath);
    source = await decode(clipPath);
    inline = await createInlineMuxBackend();
    reference = await muxClip(inline, clip, 10);
  });
  after(() => inline.close());

  test('a real clip becomes TS that ffmpeg decodes frame for frame', async () => {
    assert.equal(reference.segments.length, 4);
    assertClean(reference);
    const path = writeTs('clip.ts', reference.stream);
    const probed = await probeStreams(path);
    assert.equal(probed.format, 'mpegts');
    assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
    assert.equal(await ffmpegErrors(path), '');
    const decoded = await decode(path);
    assert.equal(decoded.videoFrames, source.videoFrames);
    assert.equal(decoded.audioFrames, source.audioFrames);
  });

  // Not `ffmpeg -f null` per segment: a lone segment whose first audio PTS sits exactly half a frame
  // before the first video PTS makes ffmpeg's own frame-rate rounding emit duplicate output timestamps.
  test('every segment stands alone: mpegts with h264 + aac, all frames decode', async () => {
    let video = 0;
    for (const [i, segment] of reference.segments.entries()) {
      const path = writeTs(`segment-${i}.ts`, segment);
      const probed = await probeStreams(path);
      assert.equal(probed.format, 'mpegts');
      assert.deepEqual(probed.streams.map((s) => s.codec_name).sort(), ['aac', 'h264']);
      video += (await decode(path)).videoFrames;
    }
    assert.equal(video, source.videoFrames);
  });

  test('PES timestamps are the frame times x 90 plus the fixed PCR lead', () => {
    const report = checkTs(reference.stream);
    const video = report.segments[0]!.pes.filter((p) => p.pid === 0x100);
    const frames = clip.frames.filter((f) => f.track === 'video');
    assert.equal(video.length, frames.length);
    video.forEach((p, i) => {
      assert.equal(p.dts, frames[i]!.dts * 90 + 63000);
      assert.equal(p.pts, frames[i]!.pts * 90 + 63000);
      assert.equal(p.randomAccess, frames[i]!.keyframe);
    });
    const audio = report.segments[0]!.pes.filter((p) => p.pid === 0x101);
    assert.ok(audio.length < clip.frames.filter((f) => f.track === 'audio').length, 'several AAC frames per PES');
  });

  /** NAL unit types of an Annex B access unit. */
  const nalTypes = (unit: Uint8Array): number[] => {
    const types: number[] = [];
    for (let i = 0; i + 3 < unit.length; i++) {
      if (unit[i] === 0 && unit[i + 1] === 0 && unit[i + 2] === 1) types.push(unit[i + 3]! & 0x1f);
    }
    return types;
  };

  test('access units open with an AUD, key frames with the config SPS/PPS, once each', () => {
    const video = checkTs(reference.stream, { payloads: true }).segments[0]!.pes.filter((p) => p.pid === 0x100);
    for (const pes of video) {
      const types = nalTypes(pes.payload!);
      assert.equal(types[0], 9);
      assert.equal(types.filter((t) => t === 9).length, 1);
      if (pes.randomAccess) assert.deepEqual(types.slice(1, 3), [7, 8]);
      assert.equal(types.filter((t) => t === 7).length, pes.randomAccess ? 1 : 0);
    }
  });

  test('AAC frames become ADTS frames, several to a PES, none lost', () => {
    const audio = checkTs(reference.stream, { payloads: true }).segments[0]!.pes.filter((p) => p.pid === 0x101);
    const sizes: number[] = [];
    for (const pes of audio) {
      const bytes = pes.payload!;
      for (let at = 0; at < bytes.length;) {
        assert.equal(bytes[at], 0xff);
        assert.equal(bytes[at + 1]! & 0xf6, 0xf0);
        const length = ((bytes[at + 3]! & 3) << 11) | (bytes[at + 4]! << 3) | (bytes[at + 5]! >> 5);
        sizes.push(length - 7);
        at += length;
      }
    }
    assert.deepEqual(sizes, clip.frames.filter((f) => f.track === 'audio').map((f) => f.data.length));
  });

  test('2-byte NAL lengths give the same stream as 4-byte ones', async () => {
    const twoByte = clip.frames.map((f): MediaFrame => {
      if (f.track !== 'video') return f;
      const out: number[] = [];
      for (let at = 0; at < f.data.length;) {
        const length = new DataView(f.data.buffer, f.data.byteOffset + at).getUint32(0);
        assert.ok(length < 0x10000);
        out.push(length >> 8, length & 0xff, ...f.data.subarray(at + 4, at + 4 + length));
        at += 4 + length;
      }
      return { ...f, data: Uint8Array.from(out) };
    });
    const run = await muxClip(inline, { ...clip, video: { ...clip.video!, nalLengthSize: 2 } }, 10, twoByte);
    assert.ok(run.stream.equals(reference.stream));
  });

  test('continuity counters carry across batches of any size', async () => {
    for (const size of [1, 3, 64, clip.frames.length]) {
      const run = await muxClip(inline, clip, size);
      assert.deepEqual(checkTs(run.segments).errors, [], `batches of ${size}`);
    }
  });

  test('pool and inline produce byte-identical output', async () => {
    const pool = await createPoolMuxBackend({ threads: 2 });
    try {
      const a = await muxClip(pool, clip, 10);
      assert.ok(a.stream.equals(reference.stream));
      // Two channels at once on the pool: each still matches its own inline output.
      const [b, c] = await Promise.all([muxClip(pool, clip, 7), muxClip(pool, clip, 13)]);
      assert.ok(b.stream.equals((await muxClip(inline, clip, 7)).stream));
      assert.ok(c.stream.equals((await muxClip(inline, clip, 13)).stream));
    } finally {
      await pool.close();
    }
  });

  test('many channels at once through small rings: every channel gets its own stream back', async () => {
    const expected = (await muxClip(inline, clip, 4)).stream;
    for (const backend of [
      await createInlineMuxBackend({ ringBytes: 64 << 10 }),
      await createPoolMuxBackend({ threads: 2, ringBytes: 64 << 10 }),
    ]) {
      try {
        const runs = await Promise.all(Array.from({ length: 6 }, () => muxClip(backend, clip, 4)));
        for (const run of runs) assert.ok(run.stream.equals(expected), backend.kind);
      } finally {
        await backend.close();
      }
    }
  });

  test('video-only and audio-only channels', async () => {
    const videoOnly = await muxClip(inline, { ...clip, audio: undefined }, 10, clip.frames.filter((f) => f.track === 'video'));
    assertClean(videoOnly);
    let path = writeTs('video-only.ts', videoOnly.stream);
    assert.deepEqual((await probeStreams(path)).streams.map((s) => s.codec_name), ['h264']);
    assert.equal(await ffmpegErrors(path), '');
    assert.equal((await decode(path)).videoFrames, source.videoFrames);

    const audioOnly = await muxClip(inline, { ...clip, video: undefined }, 10, clip.frames.filter((f) => f.track === 'audio'));
    assertClean(audioOnly);
    assert.equal(checkTs(audioOnly.stream).pcrPid, 0x101);
    path = writeTs('audio-only.ts', audioOnly.stream);
    assert.deepEqual((await probeStreams(path)).streams.map((s) => s.codec_name), ['aac']);
    assert.equal(await ffmpegErrors(path), '');
    assert.equal((await decode(path)).audioFrames, source.audioFrames);
  });

  test('a second mux while one is pending is refused', async () => {
    const muxer = inline.open();
    muxer.configure(clip.video, clip.audio);
    const first = muxer.mux(clip.frames.slice(0, 5), []);
    await assert.rejects(muxer.mux(clip.frames.slice(5, 10), []), /pending/);
    (await first).release();
  });

  const isOwn = (out: TsOutput): boolean => {
    const first = out.parts.find((p) => p.length > 0);
    return first !== undefined && first.buffer.byteLength === out.parts.reduce((n, p) => n + p.length, 0);
  };

  /**
   * A consumer that holds every output and releases the oldest only while mux() is stuck. It copies an
   * output only when releasing it, so bytes overwritten before their release would show as a mismatch;
   * held ring bytes above the ring's size would mean the producer did not wait.
   */
  async function muxWithSlowConsumer(backend: MuxBackend, batchSize: number) {
    const muxer = backend.open();
    muxer.configure(clip.video, clip.audio);
    const held: TsOutput[] = [];
    const copies: Buffer[] = [];
    let heldInRing = 0;
    let maxHeldInRing = 0;
    let ringTotal = 0;
    let releasesWhileWaiting = 0;
    let wraps = 0;
    let lastOffset = -1;
    const releaseOldest = () => {
      const out = held.shift()!;
      const bytes = Buffer.concat(out.parts);
      if (!isOwn(out)) heldInRing -= bytes.length;
      copies.push(bytes);
      out.release();
    };
    for (const batch of keyframeBatches(clip.frames, batchSize)) {
      let settled = false;
      const pending = muxer.mux(batch.frames, batch.cuts).then((out) => {
        settled = true;
        return out;
      });
      for (;;) {
        await new Promise((r) => setTimeout(r, 5));
        if (settled) break;
        if (held.length > 0) {
          releaseOldest();
          releasesWhileWaiting++;
        }
      }
      const out = await pending;
      if (!isOwn(out)) {
        const size = out.parts.reduce((n, p) => n + p.length, 0);
        const offset = out.parts.find((p) => p.length > 0)!.byteOffset;
        if (offset < lastOffset) wraps++;
        lastOffset = offset;
        heldInRing += size;
        ringTotal += size;
        maxHeldInRing = Math.max(maxHeldInRing, heldInRing);
      }
      held.push(out);
    }
    while (held.length > 0) releaseOldest();
    return { stream: Buffer.concat(copies), maxHeldInRing, ringTotal, releasesWhileWaiting, wraps };
  }

  for (const kind of ['inline', 'pool'] as const) {
    test(`${kind} ring: wraps, makes mux() wait for a slow consumer, loses nothing`, async () => {
      const ringBytes = 64 << 10;
      const backend = kind === 'inline'
        ? await createInlineMuxBackend({ ringBytes })
        : await createPoolMuxBackend({ threads: 1, ringBytes });
      try {
        const run = await muxWithSlowConsumer(backend, 4);
        assert.ok(run.stream.equals((await muxClip(inline, clip, 4)).stream));
        assert.ok(run.ringTotal > 3 * ringBytes, `${run.ringTotal} bytes went through the ring`);
        assert.ok(run.maxHeldInRing <= ringBytes, `${run.maxHeldInRing} bytes held in a ${ringBytes}-byte ring`);
        assert.ok(run.releasesWhileWaiting > 0);
        assert.ok(run.wraps > 0);
      } finally {
        await backend.close();
      }
    });
  }

  test('output larger than the ring still arrives whole', async () => {
    for (const backend of [await createInlineMuxBackend({ ringBytes: 4096 }), await createPoolMuxBackend({ threads: 1, ringBytes: 4096 })]) {
      try {
        const muxer = backend.open();
        muxer.configure(clip.video, clip.audio);
        const segments: Buffer[][] = [[]];
        let own = 0;
        for (const batch of keyframeBatches(clip.frames, 10)) {
          const out = await muxer.mux(batch.frames, batch.cuts);
          if (isOwn(out)) own++;
          out.parts.forEach((part, k) => {
            if (k > 0) segments.push([]);
            segments[segments.length - 1]!.push(Buffer.from(part));
          });
          out.release();
        }
        assert.ok(own > 0);
        assert.ok(Buffer.concat(segments.flat()).equals(reference.stream));
      } finally {
        await backend.close();
      }
    }
  });
});

// Frames with a timestamp jump: the muxer restarts the PCR and marks the discontinuity.
test('a discontinuity restarts the PCR with the discontinuity indicator', async () => {
  const backend = await createInlineMuxBackend();
  try {
    const clip = await readClipFrames(await makeClip({ seconds: 2, gop: 30, width: 320, height: 180 }));
    const second = clip.frames.findIndex((f, i) => i > 0 && f.track === 'video' && f.keyframe);
    const frames: MediaFrame[] = clip.frames.map((f, i) =>
      i < second ? f : { ...f, dts: f.dts - 500, pts: f.pts - 500, discontinuity: i === second });
    const muxer = backend.open();
    muxer.configure(clip.video, clip.audio);
    const out = await muxer.mux(frames, [second]);
    const segments = out.parts.map((p) => Buffer.from(p));
    out.release();
    const report = checkTs(segments);
    assert.deepEqual(report.errors, []);
    const bytes = segments[1]!;
    const firstPcrPacket = Array.from({ length: bytes.length / 188 }, (_, i) => bytes.subarray(i * 188, i * 188 + 188))
      .find((p) => (p[3]! & 0x20) !== 0 && p[4]! > 0 && (p[5]! & 0x10) !== 0)!;
    assert.equal(firstPcrPacket[5]! & 0x80, 0x80);
  } finally {
    await backend.close();
  }
});
