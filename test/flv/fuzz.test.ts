import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlvError } from '../../engine/flv/flv-error.js';
import { FlvIngest, newPublishStats } from '../../engine/ingest/flv-ingest.js';
import { loadCorpus, mutate, prng } from '../util/rtmp-fuzz.js';
import { RecordingSink } from '../util/rtmp-recording-sink.js';

const ITERATIONS = 5000;

describe('fuzz', () => {
  it('FLV tag parsing (video/audio headers, AVC record, SPS, AudioSpecificConfig) only ever throws FlvError', () => {
    // Each seed is one tag: a type byte (8 audio, 9 video) then the tag body.
    const seeds = loadCorpus('engine/flv/corpus');
    assert.ok(seeds.length >= 5);
    const random = prng(3);
    const configs = loadCorpus('engine/flv/corpus').filter((s) => (s[0] === 9 && s[2] === 0) || (s[0] === 8 && s[2] === 0));
    let frames = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const sink = new RecordingSink();
      const ingest = new FlvIngest(sink, newPublishStats());
      try {
        // Valid configs first, so that mutated frames reach the frame path too.
        for (const c of configs) ingest.push(c[0]!, 0, c.subarray(1));
        for (let n = 0; n < 4; n++) {
          const tag = mutate(seeds, random);
          if (tag.length > 0) ingest.push(tag[0]! === 8 ? 8 : 9, Math.floor(random() * 2 ** 32), tag.subarray(1));
        }
        ingest.flush();
      } catch (e) {
        assert.ok(e instanceof FlvError, `iteration ${i}: threw ${e instanceof Error ? e.stack : String(e)}`);
      }
      frames += sink.frames.length;
    }
    assert.ok(frames > ITERATIONS / 4, `only ${frames} frames came through`);
  });
});
