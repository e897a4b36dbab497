import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readFlvTags } from '../../engine/flv/flv-file.js';
import { FlvIngest, newPublishStats, UnsupportedVideoCodecError } from '../../engine/ingest/flv-ingest.js';
import { makeClip, probePackets, probeStreams } from '../util/media.js';
import { RecordingSink } from '../util/rtmp-recording-sink.js';

async function ingestFile(path: string, sink: RecordingSink, tagsPerBatch = 16) {
  const ingest = new FlvIngest(sink, newPublishStats());
  let n = 0;
  for await (const tag of readFlvTags(path)) {
    ingest.push(tag.type, tag.timestamp, tag.body);
    if (++n % tagsPerBatch === 0) ingest.flush();
  }
  ingest.flush();
  return ingest.stats;
}

describe('FlvIngest over an FLV file', () => {
  it('delivers exactly the packets ffprobe sees, with the right configs', async () => {
    const clip = await makeClip({ seconds: 2, width: 320, height: 180, sampleRate: 48000, channels: 1 });
    const sink = new RecordingSink();
    const stats = await ingestFile(clip, sink);
    const packets = await probePackets(clip);
    assert.equal(sink.frames.length, packets.length);
    sink.frames.forEach((f, i) => {
      const p = packets[i]!;
      assert.equal(f.track, p.stream, `frame ${i} track`);
      assert.equal(f.dts, p.dts, `frame ${i} dts`);
      assert.equal(f.pts, p.pts, `frame ${i} pts`);
      assert.equal(f.data.length, p.size, `frame ${i} size`);
      assert.equal(f.keyframe, p.stream === 'video' && p.keyframe, `frame ${i} keyframe`);
      assert.equal(f.discontinuity, false);
    });
    const { streams } = await probeStreams(clip);
    const v = streams.find((s) => s.codec_type === 'video')!;
    const a = streams.find((s) => s.codec_type === 'audio')!;
    assert.equal(sink.configs.length, 2, 'one configure per sequence header');
    const last = sink.configs.at(-1)!;
    assert.equal(last.video?.width, v.width);
    assert.equal(last.video?.height, v.height);
    assert.equal(last.video?.frameRate, 30);
    assert.equal(last.video?.nalLengthSize, 4);
    assert.equal(last.audio?.sampleRate, Number(a.sample_rate));
    assert.equal(last.audio?.channels, a.channels);
    assert.equal(last.audio?.objectType, 2);
    assert.equal(stats.videoFrames, sink.video.length);
    assert.equal(stats.audioCodecName, 'AAC');
    assert.deepEqual(stats.dropped, {});
    assert.ok(sink.batchSizes.every((n) => n <= 16));
  });

  it('refuses Sorenson video by naming the codec', async () => {
    const clip = await makeClip({ seconds: 1, width: 160, height: 96, video: 'flv1' });
    await assert.rejects(ingestFile(clip, new RecordingSink()), (e: unknown) => {
      assert.ok(e instanceof UnsupportedVideoCodecError);
      assert.match(e.message, /Sorenson H\.263/);
      return true;
    });
  });

  it('keeps the video of an MP3 publish and counts the dropped audio', async () => {
    const clip = await makeClip({ seconds: 2, width: 160, height: 96, audio: 'mp3' });
    const sink = new RecordingSink();
    const stats = await ingestFile(clip, sink);
    const packets = await probePackets(clip);
    const video = packets.filter((p) => p.stream === 'video');
    const audio = packets.filter((p) => p.stream === 'audio');
    assert.equal(sink.video.length, video.length);
    assert.equal(sink.audio.length, 0);
    assert.equal(stats.dropped['unsupported-audio-codec'], audio.length);
    assert.equal(stats.audioCodecName, 'MP3');
    assert.equal(sink.configs.at(-1)!.audio, undefined);
  });

  it('drops media before its sequence header, ignores a repeated header, flags a changed one', async () => {
    const tag = (name: string) => readFileSync(new URL(`../../../engine/flv/corpus/${name}.bin`, import.meta.url)).subarray(1);
    const avc = tag('avc-sequence-header');
    const frame = tag('avc-frame-1');
    const aac = tag('aac-sequence-header');
    const otherClip = await makeClip({ seconds: 0.2, width: 320, height: 240, audio: 'none' });
    let otherAvc: Uint8Array | undefined;
    for await (const t of readFlvTags(otherClip)) if (t.type === 9 && t.body[1] === 0) otherAvc = t.body;
    const sink = new RecordingSink();
    const ingest = new FlvIngest(sink, newPublishStats());
    ingest.push(9, 0, frame);
    ingest.push(8, 0, tag('aac-frame'));
    ingest.push(9, 0, avc);
    ingest.push(8, 0, aac);
    ingest.push(9, 40, frame);
    ingest.push(9, 80, avc);
    ingest.push(9, 80, frame);
    ingest.push(9, 120, otherAvc!);
    ingest.push(9, 120, frame);
    ingest.flush();
    assert.deepEqual(ingest.stats.dropped, { 'before-sequence-header': 2 });
    assert.deepEqual(sink.configs.map((c) => [c.video?.width, c.audio?.sampleRate]), [[160, undefined], [160, 44100], [320, 44100]]);
    assert.deepEqual(sink.frames.map((f) => [f.dts, f.discontinuity]), [[40, false], [80, false], [120, true]]);
    // Frames under the old config were delivered before the new configure.
    assert.deepEqual(sink.batchSizes, [2, 1]);
  });

  it('takes enhanced-RTMP H.264 and refuses enhanced HEVC by name', () => {
    const tag = (name: string) => readFileSync(new URL(`../../../engine/flv/corpus/${name}.bin`, import.meta.url)).subarray(1);
    const sink = new RecordingSink();
    const ingest = new FlvIngest(sink, newPublishStats());
    ingest.push(9, 0, tag('enhanced-avc1-sequence-start'));
    ingest.push(9, 0, tag('enhanced-avc1-frames-x'));
    ingest.flush();
    assert.equal(sink.configs[0]!.video!.width, 160);
    assert.deepEqual(sink.frames.map((f) => [f.dts, f.data.length]), [[0, 6]]);
    assert.throws(() => ingest.push(9, 33, tag('enhanced-hvc1-frame')), (e: unknown) => e instanceof UnsupportedVideoCodecError && /HEVC/.test(e.message));
  });
});

