import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EngineEventBus } from '../../engine/events.js';
import type { Admission } from '../../engine/ingest/sink.js';
import { makeClip, probePackets } from '../util/media.js';
import { ffmpegPublish, startProcess } from '../util/process.js';
import { RtmpTestClient } from '../util/rtmp-client.js';
import { acceptAll, startRecordingRtmpServer } from '../util/rtmp-test-server.js';

describe('refusals, kicks and shutdown', () => {
  let srv: Awaited<ReturnType<typeof startRecordingRtmpServer>>;
  const events = new EngineEventBus();
  const dropped: Record<string, number> = {};
  // Channels named "missing*" do not exist; "slow*" never get an answer.
  const admission: Admission = (request) => {
    if (request.channel.startsWith('missing')) {
      return Promise.resolve({ ok: false, code: 'NetStream.Publish.BadName', description: `channel ${request.channel} does not exist` });
    }
    if (request.channel.startsWith('slow')) return new Promise(() => {});
    return acceptAll(request);
  };

  before(async () => {
    events.on('framesDropped', (e) => (dropped[`${e.channel} ${e.reason}`] = (dropped[`${e.channel} ${e.reason}`] ?? 0) + e.count));
    srv = await startRecordingRtmpServer({ events, admission, limits: { admissionTimeoutMs: 300 } });
  });
  after(() => srv.server.close());

  it('refuses non-H.264 video with an onStatus error naming the codec', async () => {
    const clip = await makeClip({ seconds: 2, width: 160, height: 96, video: 'flv1' });
    const { code, stderr } = await ffmpegPublish(clip, srv.url('live/sorenson'), { realtime: true }).done;
    assert.notEqual(code, 0);
    assert.match(stderr, /Server error: video codec Sorenson H\.263 is not supported: livebucket accepts H\.264 video only/);
    const sink = srv.sinks.get('default/sorenson')!;
    assert.equal(await sink.closed(), 'error');
    assert.equal(sink.video.length, 0);
  });

  it('keeps the video of an MP3 publish and counts the dropped audio', async () => {
    const clip = await makeClip({ seconds: 2, width: 160, height: 96, audio: 'mp3' });
    const packets = await probePackets(clip);
    const { code } = await ffmpegPublish(clip, srv.url('live/mp3')).done;
    assert.equal(code, 0);
    const sink = srv.sinks.get('default/mp3')!;
    await sink.closed();
    const audio = packets.filter((p) => p.stream === 'audio').length;
    assert.equal(sink.video.length, packets.length - audio);
    assert.equal(sink.audio.length, 0);
    assert.equal(sink.session!.stats.audioCodecName, 'MP3');
    assert.equal(sink.session!.stats.dropped['unsupported-audio-codec'], audio);
    assert.equal(dropped['mp3 unsupported-audio-codec'], audio);
  });

  it('passes the admission refusal to the client, then closes', async () => {
    const client = await RtmpTestClient.connect(srv.port);
    const status = await client.publish('missing1?Expires=1');
    assert.deepEqual(status, { level: 'error', code: 'NetStream.Publish.BadName', description: 'channel missing1 does not exist' });
    await client.waitClosed();
    const clip = await makeClip({ seconds: 2, width: 160, height: 96 });
    const { code, stderr } = await ffmpegPublish(clip, srv.url('live/missing2')).done;
    assert.notEqual(code, 0);
    assert.match(stderr, /channel missing2 does not exist/);
  });

  it('refuses a URL that is not a live application, and an admission that does not answer', async () => {
    const wrongApp = await RtmpTestClient.connect(srv.port, 'vod');
    assert.match((await wrongApp.publish('ch1')).description, /application must be 'live'/);
    await wrongApp.waitClosed();
    const slow = await RtmpTestClient.connect(srv.port);
    assert.deepEqual(await slow.publish('slow1'), {
      level: 'error',
      code: 'NetStream.Publish.Denied',
      description: 'admission did not answer within 300 ms',
    });
    await slow.waitClosed();
  });

  it('refuses a second publisher on a live channel', async () => {
    const first = await RtmpTestClient.connect(srv.port);
    assert.equal((await first.publish('twice')).code, 'NetStream.Publish.Start');
    const second = await RtmpTestClient.connect(srv.port);
    assert.deepEqual(await second.publish('twice'), {
      level: 'error',
      code: 'NetStream.Publish.BadName',
      description: 'channel twice of bucket default already has a publisher',
    });
    await second.waitClosed();
    assert.equal(first.closed, false);
    first.close();
  });

  it('refuses play (push only); ffmpeg as a player also verifies the digest handshake', async () => {
    const { stderr } = await startProcess('ffmpeg', ['-v', 'error', '-nostdin', '-i', srv.url('live/ch1'), '-f', 'null', '-']).done;
    assert.match(stderr, /Server error: livebucket accepts publishing only/);
    assert.doesNotMatch(stderr, /validating failed|Signature mismatch/);
  });

  it('kick tells the publisher why, closes it, and closes its sink', async () => {
    const client = await RtmpTestClient.connect(srv.port);
    assert.equal((await client.publish('kickme')).code, 'NetStream.Publish.Start');
    const live = srv.server.findPublisher('default', 'kickme');
    assert.equal(live?.channel, 'kickme');
    assert.deepEqual([...srv.server.publishers()].map((p) => p.channel), ['kickme']);
    const status = client.status();
    await srv.server.kick('default', 'kickme', 'channel disabled');
    assert.deepEqual(await status, { level: 'error', code: 'NetStream.Publish.Denied', description: 'channel disabled' });
    await client.waitClosed();
    assert.equal(srv.sinks.get('default/kickme')!.closedWith, 'kicked');
    assert.equal(srv.server.findPublisher('default', 'kickme'), undefined);
  });

  it('close() tells publishers and closes their sinks with shutdown', async () => {
    const own = await startRecordingRtmpServer();
    const client = await RtmpTestClient.connect(own.port);
    await client.publish('ch1');
    const idle = await RtmpTestClient.connect(own.port);
    const status = client.status();
    await own.server.close();
    assert.equal((await status).code, 'NetStream.Unpublish.Success');
    assert.equal(own.sinks.get('default/ch1')!.closedWith, 'shutdown');
    await client.waitClosed();
    await idle.waitClosed();
  });
});
