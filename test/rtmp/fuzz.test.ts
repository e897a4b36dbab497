import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeAmf0 } from '../../engine/rtmp/amf0.js';
import { ChunkReader } from '../../engine/rtmp/chunk-reader.js';
import { decodeCommand } from '../../engine/rtmp/messages/command.js';
import { RtmpError } from '../../engine/rtmp/rtmp-error.js';
import { loadCorpus, mutate, prng } from '../util/rtmp-fuzz.js';

const ITERATIONS = 3000;

function onlyTypedErrors(run: () => void, label: string): void {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof RtmpError, `${label}: threw ${e instanceof Error ? e.stack : String(e)}`);
  }
}

describe('fuzz', () => {
  it('chunk reader: mutated chunk streams only ever throw RtmpError', () => {
    const seeds = loadCorpus('engine/rtmp/corpus/chunk');
    assert.ok(seeds.length >= 3);
    const random = prng(1);
    let messages = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const input = mutate(seeds, random);
      const reader = new ChunkReader({ maxMessageSize: 1 << 20, maxChunkSize: 1 << 20, maxChunkStreams: 64 }, (typeId, _s, _t, body) => {
        messages++;
        // What the session does next with command messages: decode them.
        if (typeId === 20 || typeId === 17) onlyTypedErrors(() => decodeCommand(typeId, body), `iteration ${i} command`);
      });
      const piece = 1 + Math.floor(random() * 4096);
      onlyTypedErrors(() => {
        for (let at = 0; at < input.length; at += piece) reader.push(input.subarray(at, at + piece));
      }, `iteration ${i}`);
    }
    assert.ok(messages > ITERATIONS, 'mutations still reach the message layer');
  });

  it('AMF0: mutated values only ever throw RtmpError', () => {
    const seeds = loadCorpus('engine/rtmp/corpus/amf0');
    assert.ok(seeds.length >= 3);
    const random = prng(2);
    let decoded = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const input = mutate(seeds, random);
      onlyTypedErrors(() => {
        decodeAmf0(input);
        decoded++;
      }, `iteration ${i}`);
    }
    assert.ok(decoded > ITERATIONS / 20, `only ${decoded} inputs decoded`);
  });
});
