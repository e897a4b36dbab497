import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeAmf0 } from '../../engine/rtmp/amf0.js';
import { makeClip, probePackets } from '../util/media.js';
import { ffmpegPublish, type Publisher } from '../util/process.js';
import { assertFramesMatch } from '../util/rtmp-compare.js';
import { RtmpTestClient } from '../util/rtmp-client.js';
import { startRecordingRtmpServer } from '../util/rtmp-test-server.js';

describe('malformed input closes only that connection', () => {
  let srv: Awaited<ReturnType<typeof startRecordingRtmpServer>>;
  let steady: Publisher;
  let clip: string;

  before(async () => {
    srv = await startRecordingRtmpServer({ limits: { handshakeTimeoutMs: 500, idleTimeoutMs: 500, maxMessageSize: 1 << 20 } });
    clip = await makeClip({ seconds: 4, width: 320, height: 180 });
    // A well-behaved publisher streams in real time on another channel while the bad ones come and go.
    steady = ffmpegPublish(clip, srv.url('live/steady'), { realtime: true });
    await srv.waitFor('default/steady');
  });
  after(async () => {
    steady.stop();
    await srv.server.close();
  });

  /** Runs one bad client; asserts the server closed it and logged why. */
  async function expectClosed(act: (port: number) => Promise<RtmpTestClient>, reason: RegExp): Promise<void> {
    const client = await act(srv.port);
    await client.waitClosed();
    assert.ok(srv.logs.some((l) => reason.test(l)), `no log line matching ${reason}: ${srv.logs.join('\n')}`);
  }

  const afterHandshake = async (port: number, bytes: Buffer) => {
    const c = await RtmpTestClient.open(port);
    await c.handshake();
    c.write(bytes);
    return c;
  };

  it('truncated handshake', () =>
    expectClosed(async (port) => {
      const c = await RtmpTestClient.open(port);
      c.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(700)]));
      return c;
    }, /closing: handshake not completed within 500 ms/));

  it('stall mid-handshake (C0+C1 sent, C2 never)', () =>
    expectClosed(async (port) => {
      const c = await RtmpTestClient.open(port);
      c.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536)]));
      return c;
    }, /closing: handshake not completed/));

  it('chunk continuing an unknown chunk stream', () =>
    expectClosed((port) => afterHandshake(port, Buffer.from([0xc9, 1, 2, 3, 4])), /closing: chunk stream 9 starts with a type-3 header/));

  it('chunk size 0 and 2^31', async () => {
    await expectClosed((port) => afterHandshake(port, Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0, 0, 0, 0])), /closing: Set Chunk Size 0 is invalid/);
    await expectClosed((port) => afterHandshake(port, Buffer.from([0x02, 0, 0, 0, 0, 0, 4, 1, 0, 0, 0, 0, 0x80, 0, 0, 0])), /closing: Set Chunk Size 2147483648 is invalid/);
  });

  it('message length over the limit', () =>
    expectClosed((port) => afterHandshake(port, Buffer.from([0x04, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0])), /closing: message of 16777215 bytes on chunk stream 4 exceeds the limit of 1048576/));

  it('garbage AMF in a command and in a data message', async () => {
    await expectClosed(async (port) => {
      const c = await RtmpTestClient.connect(port);
      c.message(3, { typeId: 20, streamId: 0, timestamp: 0, body: Buffer.concat([encodeAmf0('publish', 5), Buffer.from([0x42, 0x42])]) });
      return c;
    }, /closing: unknown AMF0 type marker 0x42/);
    await expectClosed(async (port) => {
      const c = await RtmpTestClient.connect(port);
      c.message(4, { typeId: 18, streamId: 1, timestamp: 0, body: Buffer.from([0x02, 0xff, 0xff, 0x41]) });
      return c;
    }, /closing: AMF0 value runs past the end/);
  });

  it('idle connection', () => expectClosed((port) => RtmpTestClient.connect(port), /closing: no data for 500 ms/));

  it('too many connections', async () => {
    const small = await startRecordingRtmpServer({ limits: { maxConnections: 1 } });
    const first = await RtmpTestClient.connect(small.port);
    const second = await RtmpTestClient.open(small.port);
    await second.waitClosed();
    assert.ok(small.logs.some((l) => /closing: more than 1 connections/.test(l)));
    assert.equal(first.closed, false);
    first.close();
    await small.server.close();
  });

  it('the steady publisher lost no frame', async () => {
    const { code, stderr } = await steady.done;
    assert.equal(code, 0, stderr);
    const sink = srv.sinks.get('default/steady')!;
    assert.equal(await sink.closed(), 'unpublish');
    assertFramesMatch(sink.frames, await probePackets(clip));
    assert.deepEqual(sink.session!.stats.dropped, {});
  });
});
