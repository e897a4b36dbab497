import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAacConfig } from '../../engine/flv/aac-config.js';
import { newAudioTagHeader, readAudioTagHeader } from '../../engine/flv/audio-tag.js';
import { parseAvcConfig } from '../../engine/flv/avc-config.js';
import { readFlvTags } from '../../engine/flv/flv-file.js';
import { FlvError } from '../../engine/flv/flv-error.js';
import { newVideoTagHeader, readVideoTagHeader } from '../../engine/flv/video-tag.js';
import { makeClip, probeStreams } from '../util/media.js';

const corpus = (name: string) => readFileSync(new URL(`../../../engine/flv/corpus/${name}.bin`, import.meta.url)).subarray(1);

async function firstVideoConfig(path: string) {
  for await (const tag of readFlvTags(path)) {
    if (tag.type === 9 && tag.body[1] === 0) return parseAvcConfig(tag.body.subarray(5));
  }
  throw new Error('no AVC sequence header');
}

describe('FLV parsers', () => {
  it('AVC config and SPS: size with cropping (odd macroblock rows) and VUI frame rate, as ffprobe sees them', async () => {
    for (const [width, height, fps] of [
      [320, 180, 25],
      [854, 480, 30],
      [1280, 720, 60],
    ] as const) {
      const clip = await makeClip({ seconds: 0.2, width, height, fps, audio: 'none' });
      const config = await firstVideoConfig(clip);
      const probed = (await probeStreams(clip)).streams[0]!;
      assert.deepEqual([config.width, config.height], [probed.width, probed.height]);
      assert.equal(config.frameRate, fps);
      assert.equal(config.profile, 100);
      assert.equal(config.nalLengthSize, 4);
      assert.equal(config.sps.length, 1);
      assert.equal(config.pps.length, 1);
      assert.equal(config.sps[0]![0]! & 0x1f, 7);
      assert.equal(config.pps[0]![0]! & 0x1f, 8);
    }
  });

  it('AudioSpecificConfig: AAC-LC, explicit 24-bit rate, explicit HE-AAC signalling', () => {
    const lc = parseAacConfig(corpus('aac-sequence-header').subarray(2));
    assert.deepEqual([lc.objectType, lc.sampleRate, lc.channels], [2, 44100, 2]);
    const explicit = parseAacConfig(corpus('aac-explicit-rate').subarray(2));
    assert.deepEqual([explicit.objectType, explicit.samplingFrequencyIndex, explicit.sampleRate, explicit.channels], [2, 15, 32000, 2]);
    const he = parseAacConfig(corpus('aac-he-explicit').subarray(2));
    assert.deepEqual([he.objectType, he.samplingFrequencyIndex, he.sampleRate, he.channels], [2, 7, 22050, 2]);
    assert.throws(() => parseAacConfig(Buffer.from([0x17])), FlvError);
    assert.throws(() => parseAacConfig(Buffer.from([0x16, 0x88])), /reserved/);
  });

  it('video tag headers: legacy AVC, enhanced avc1 / hvc1, command frames', () => {
    const h = newVideoTagHeader();
    readVideoTagHeader(corpus('avc-sequence-header'), h);
    assert.deepEqual([h.avc, h.kind, h.frameType, h.dataOffset], [true, 'sequence-header', 1, 5]);
    readVideoTagHeader(Buffer.from([0x27, 0x01, 0xff, 0xff, 0xdf, 0]), h);
    assert.deepEqual([h.avc, h.kind, h.frameType, h.compositionTime], [true, 'frame', 2, -33]);
    readVideoTagHeader(corpus('enhanced-avc1-sequence-start'), h);
    assert.deepEqual([h.avc, h.kind, h.dataOffset], [true, 'sequence-header', 5]);
    assert.equal(parseAvcConfig(corpus('enhanced-avc1-sequence-start').subarray(h.dataOffset)).width, 160);
    readVideoTagHeader(corpus('enhanced-avc1-frames-x'), h);
    assert.deepEqual([h.avc, h.kind, h.frameType, h.compositionTime, h.dataOffset], [true, 'frame', 2, 0, 5]);
    readVideoTagHeader(corpus('enhanced-hvc1-frame'), h);
    assert.deepEqual([h.avc, h.kind, h.codecName, h.compositionTime], [false, 'frame', 'HEVC', 33]);
    readVideoTagHeader(Buffer.from([0x22, 0x00]), h);
    assert.deepEqual([h.avc, h.kind, h.codecName], [false, 'frame', 'Sorenson H.263']);
    readVideoTagHeader(Buffer.from([0x57, 0x00]), h);
    assert.equal(h.kind, 'other');
    readVideoTagHeader(Buffer.from([0x97, 0x00, 0x00]), h);
    assert.equal(h.kind, 'other', 'ModEx is skipped, not misread');
    assert.throws(() => readVideoTagHeader(Buffer.from([0x17, 0x01]), h), FlvError);
  });

  it('audio tag headers name the codec', () => {
    const h = newAudioTagHeader();
    readAudioTagHeader(corpus('mp3-frame'), h);
    assert.deepEqual([h.aac, h.codecName, h.kind], [false, 'MP3', 'frame']);
    readAudioTagHeader(corpus('aac-frame'), h);
    assert.deepEqual([h.aac, h.codecName, h.kind, h.dataOffset], [true, 'AAC', 'frame', 2]);
    readAudioTagHeader(Buffer.from([0x90, ...Buffer.from('Opus')]), h);
    assert.deepEqual([h.aac, h.codecName, h.kind], [false, 'Opus', 'sequence-header']);
  });

  it('AVC config errors are FlvError', () => {
    const record = corpus('avc-sequence-header').subarray(5);
    assert.throws(() => parseAvcConfig(record.subarray(0, 10)), FlvError);
    const badLength = Buffer.from(record);
    badLength[4] = 0xfe;
    assert.throws(() => parseAvcConfig(badLength), /NAL length size 3/);
  });
});
