import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Handshake } from '../../engine/rtmp/handshake.js';
import { RtmpError } from '../../engine/rtmp/rtmp-error.js';

// The published Adobe keys, written out independently of the implementation under test.
const TAIL = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');
const FP = Buffer.from('Genuine Adobe Flash Player 001');
const FMS = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001'), TAIL]);

const offsetAt = (b: Buffer, base: number) => ((b[base]! + b[base + 1]! + b[base + 2]! + b[base + 3]!) % 728) + base + 4;
const hmac = (key: Buffer, ...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHmac('sha256', key)).digest();

/** C1 the way ffmpeg (base 8) or Flash Player (base 772) builds it. */
function digestC1(base: number): { c1: Buffer; digest: Buffer } {
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(0, 0);
  c1.writeUInt32BE(0x09007c02, 4);
  const at = offsetAt(c1, base);
  const digest = hmac(FP, c1.subarray(0, at), c1.subarray(at + 32));
  digest.copy(c1, at);
  return { c1, digest };
}

function run(c0c1: Buffer, c2: Buffer, extra: Buffer) {
  const h = new Handshake();
  const sent: Buffer[] = [];
  assert.equal(h.push(c0c1.subarray(0, 700), (b) => sent.push(b)), undefined);
  assert.equal(h.push(c0c1.subarray(700), (b) => sent.push(b)), undefined);
  const rest = h.push(Buffer.concat([c2, extra]), (b) => sent.push(b));
  assert.equal(sent.length, 1);
  const reply = sent[0]!;
  assert.equal(reply.length, 1 + 2 * 1536);
  assert.equal(reply[0], 3);
  return { s1: reply.subarray(1, 1537), s2: reply.subarray(1537), rest };
}

describe('handshake', () => {
  it('plain form: S2 echoes C1 and the bytes after C2 are handed on', () => {
    const c1 = randomBytes(1536);
    c1.writeUInt32BE(0, 4);
    const { s2, rest } = run(Buffer.concat([Buffer.from([3]), c1]), randomBytes(1536), Buffer.from([1, 2, 3]));
    assert.deepEqual(s2, c1);
    assert.deepEqual(rest, Buffer.from([1, 2, 3]));
  });

  for (const base of [8, 772]) {
    it(`digest form (scheme base ${base}): S1 and S2 verify the way librtmp and ffmpeg check them`, () => {
      const { c1, digest } = digestC1(base);
      const { s1, s2 } = run(Buffer.concat([Buffer.from([3]), c1]), randomBytes(1536), Buffer.alloc(0));
      assert.notEqual(s1.readUInt32BE(4), 0, 'server version must be non-zero');
      const at = offsetAt(s1, base);
      assert.deepEqual(s1.subarray(at, at + 32), hmac(FMS.subarray(0, 36), s1.subarray(0, at), s1.subarray(at + 32)));
      const key = hmac(FMS, digest);
      assert.deepEqual(s2.subarray(1504), hmac(key, s2.subarray(0, 1504)));
    });
  }

  it('refuses RTMPE (C0 = 6)', () => {
    assert.throws(() => new Handshake().push(Buffer.from([6]), () => {}), RtmpError);
  });
});
