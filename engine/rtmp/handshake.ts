import { createHmac, randomBytes } from 'node:crypto';
import { RtmpError } from './rtmp-error.js';

const SIG = 1536;
const DIGEST = 32;
const RTMP_VERSION = 3;

/** The 32 bytes both Adobe keys end with. */
const KEY_TAIL = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');
const FP_KEY_TEXT = Buffer.from('Genuine Adobe Flash Player 001');
const FMS_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001'), KEY_TAIL]);
const FMS_KEY_TEXT_LENGTH = 36;
/** Announced in S1; a non-zero version tells digest-aware clients that S1/S2 carry digests. */
const SERVER_VERSION = 0x0d0e0a0d;

/** Where the digest sits: its offset derives from 4 bytes at `base` (scheme 0: 8, scheme 1: 772). */
function digestOffset(sig: Buffer, base: number): number {
  return ((sig[base]! + sig[base + 1]! + sig[base + 2]! + sig[base + 3]!) % 728) + base + 4;
}

/** HMAC-SHA256 of the 1536-byte block without its 32 digest bytes at `offset`. */
function blockDigest(sig: Buffer, offset: number, key: Buffer): Buffer {
  return createHmac('sha256', key)
    .update(sig.subarray(0, offset))
    .update(sig.subarray(offset + DIGEST))
    .digest();
}

/** The client digest and its scheme base when C1 carries a valid one (Flash 9+ / librtmp FP9 / ffmpeg). */
function findClientDigest(c1: Buffer): { digest: Buffer; base: number } | undefined {
  for (const base of [8, 772]) {
    const offset = digestOffset(c1, base);
    const digest = c1.subarray(offset, offset + DIGEST);
    if (blockDigest(c1, offset, FP_KEY_TEXT).equals(digest)) return { digest, base };
  }
  return undefined;
}

/**
 * Server side of the RTMP handshake. Plain (C1 version 0, or no valid digest): S2 echoes C1. Digest
 * form: S1 carries an FMS-key digest at the client's scheme and S2 ends with an HMAC keyed by the
 * client digest, so librtmp and ffmpeg (which verify them when they play) accept it.
 */
export class Handshake {
  private received: Buffer = Buffer.alloc(0);
  private sentReply = false;

  /**
   * Consumes handshake bytes; `send` gets S0+S1+S2 once C0+C1 are in. Returns the bytes that follow C2
   * (the first chunks) once the handshake is complete, else undefined. Throws RtmpError on a bad C0.
   */
  push(data: Buffer, send: (reply: Buffer) => void): Buffer | undefined {
    // A copy even of a first read: reads arrive in a buffer that the next one overwrites.
    this.received = this.received.length === 0 ? Buffer.from(data) : Buffer.concat([this.received, data]);
    if (!this.sentReply) {
      if (this.received.length < 1) return undefined;
      if (this.received[0] !== RTMP_VERSION) {
        throw new RtmpError(`RTMP version ${this.received[0]} requested (encrypted RTMPE is not supported)`);
      }
      if (this.received.length < 1 + SIG) return undefined;
      send(reply(this.received.subarray(1, 1 + SIG)));
      this.sentReply = true;
    }
    if (this.received.length < 1 + 2 * SIG) return undefined;
    // C2 is not checked: clients differ in what they echo, and nothing depends on it.
    return this.received.subarray(1 + 2 * SIG);
  }
}

function reply(c1: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + 2 * SIG);
  out[0] = RTMP_VERSION;
  const s1 = out.subarray(1, 1 + SIG);
  const s2 = out.subarray(1 + SIG);
  randomBytes(SIG).copy(s1);
  s1.writeUInt32BE(Math.floor(performance.now()) >>> 0, 0);
  const client = c1.readUInt32BE(4) === 0 ? undefined : findClientDigest(c1);
  if (!client) {
    s1.writeUInt32BE(0, 4);
    c1.copy(s2);
    return out;
  }
  s1.writeUInt32BE(SERVER_VERSION, 4);
  const offset = digestOffset(s1, client.base);
  blockDigest(s1, offset, FMS_KEY.subarray(0, FMS_KEY_TEXT_LENGTH)).copy(s1, offset);
  randomBytes(SIG - DIGEST).copy(s2);
  const key = createHmac('sha256', FMS_KEY).update(client.digest).digest();
  createHmac('sha256', key)
    .update(s2.subarray(0, SIG - DIGEST))
    .digest()
    .copy(s2, SIG - DIGEST);
  return out;
}
