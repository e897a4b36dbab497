import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Amf0EcmaArray, Amf0TypedObject, Amf0Xml, decodeAmf0, encodeAmf0 } from '../../engine/rtmp/amf0.js';
import { RtmpError } from '../../engine/rtmp/rtmp-error.js';

describe('AMF0', () => {
  it('round-trips every type', () => {
    const values = [
      0,
      -1.25,
      Number.MAX_SAFE_INTEGER,
      true,
      false,
      '',
      'héllo',
      'x'.repeat(70_000),
      null,
      undefined,
      new Date(1_700_000_000_123),
      [1, 'two', [3], { four: 4 }],
      { a: 1, b: { c: 'd' }, e: null },
      new Amf0EcmaArray({ width: 640, height: 360, stereo: true }),
      new Amf0TypedObject('com.example.Point', { x: 1, y: 2 }),
      new Amf0Xml('<a b="c"/>'),
    ];
    const bytes = encodeAmf0(...values);
    assert.deepEqual(decodeAmf0(bytes), values);
    // Long strings switch to the 0x0C marker; short ones use 0x02.
    assert.equal(encodeAmf0('x'.repeat(70_000))[0], 0x0c);
    assert.equal(encodeAmf0('x')[0], 0x02);
  });

  it('decodes a reference to an earlier object and unsupported as undefined', () => {
    const bytes = Buffer.concat([encodeAmf0({ k: 'v' }), Buffer.from([0x07, 0x00, 0x00, 0x0d])]);
    const [first, ref, unsupported] = decodeAmf0(bytes);
    assert.equal(ref, first);
    assert.equal(unsupported, undefined);
  });

  it('keeps __proto__ as an ordinary property', () => {
    const bytes = Buffer.from([0x03, 0x00, 0x09, ...Buffer.from('__proto__'), 0x05, 0x00, 0x00, 0x09]);
    const [o] = decodeAmf0(bytes) as [Record<string, unknown>];
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
    assert.deepEqual(Object.keys(o), ['__proto__']);
  });

  it('refuses nesting bombs, lying array counts, AMF3 switches and truncation with RtmpError', () => {
    const deep = Buffer.concat([...Array.from({ length: 1000 }, () => Buffer.from([0x03, 0x00, 0x01, 0x61]))]);
    assert.throws(() => decodeAmf0(deep), RtmpError);
    const deepArrays = Buffer.concat(Array.from({ length: 1000 }, () => Buffer.from([0x0a, 0, 0, 0, 1])));
    assert.throws(() => decodeAmf0(deepArrays), RtmpError);
    assert.throws(() => decodeAmf0(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x05])), /past the end/);
    assert.throws(() => decodeAmf0(Buffer.from([0x11, 0x01])), /AMF3/);
    assert.throws(() => decodeAmf0(encodeAmf0('connect').subarray(0, 5)), RtmpError);
    assert.throws(() => decodeAmf0(Buffer.from([0x09])), RtmpError);
    assert.throws(() => decodeAmf0(Buffer.from([0x42])), /unknown AMF0 type/);
    const many = Buffer.concat(Array.from({ length: 200 }, () => Buffer.from([0x05])));
    assert.throws(() => decodeAmf0(many, { maxDepth: 8, maxValues: 100 }), /more than 100 values/);
  });
});
