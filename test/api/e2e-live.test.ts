import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { type Livebucket, startLivebucket } from '../../server/livebucket.js';
import { ossClient } from '../util/api-client.js';
import { TEST_KEY } from '../util/api-server.js';
import { testConfig } from '../util/livebucket-config.js';
import { decode, makeClip, probeStreams } from '../util/media.js';
import { ffmpegPublish } from '../util/process.js';

const BUCKET = 'e2e-bucket';
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/;
const CLIP_SECONDS = 6;

type Client = ReturnType<typeof ossClient>;

/** ali-oss puts the HTTP endpoint's port into RTMP URLs (spec §4.2); the RTMP server has its own. */
function onRtmpPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describe('end to end: ali-oss + ffmpeg against startLivebucket', () => {
  let lb: Livebucket;
  let dir: string;
  let client: Client;
  const log: string[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'livebucket-e2e-api-'));
    lb = await startLivebucket(
      testConfig(dir, { accessKeyId: TEST_KEY.id, accessKeySecret: TEST_KEY.secret, defaultBucket: BUCKET }),
      { log: (line) => log.push(line) },
    );
    client = ossClient(lb.httpPort, BUCKET);
  });
  after(async () => {
    await lb.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('push, stat while live, refusals beside it, segments, history, VOD that decodes to the full duration', async () => {
    const clip = await makeClip({ seconds: CLIP_SECONDS, fps: 30, gop: 60, width: 640, height: 360 });
    await client.putChannel('cam', { Target: { Type: 'HLS', FragDuration: '2', FragCount: '3' } });
    await client.putChannel('off', { Status: 'disabled', Target: { Type: 'HLS' } });
    // playlistName in the signed URL names this push's playlist object.
    const url = onRtmpPort(client.getRtmpUrl('cam', { expires: 600, params: { playlistName: 'mine.m3u8' } }), lb.rtmpPort);
    const pushStartedAt = Date.now();
    const publisher = ffmpegPublish(clip, url, { realtime: true });
    try {
      const live = await until('Live stat', async () => {
        const data = (await client.getChannelStatus('cam')).data;
        return data.Status === 'Live' && data.Video && data.Audio ? data : undefined;
      });
      assert.match(live.ConnectedTime, ISO_SECONDS);
      assert.match(live.RemoteAddr, /^127\.0\.0\.1:\d+$/);
      assert.deepEqual(
        [live.Video.Width, live.Video.Height, live.Video.FrameRate, live.Video.Codec],
        ['640', '360', '30', 'H264'],
      );
      assert.match(live.Video.Bandwidth, /^\d+$/);
      assert.deepEqual([live.Audio.SampleRate, live.Audio.Codec], ['44100', 'AAC']);

      // While that push goes on: each of these is refused with a readable reason.
      const signed = client.getRtmpUrl('cam', { expires: 600 });
      const u = new URL(onRtmpPort(signed, lb.rtmpPort));
      const sig = u.searchParams.get('Signature')!;
      u.searchParams.set('Signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
      const attempts: [string, string, RegExp][] = [
        ['tampered', u.toString(), /signature does not match/],
        ['expired', onRtmpPort(client.getRtmpUrl('cam', { expires: -60 }), lb.rtmpPort), /expired/],
        ['disabled', onRtmpPort(client.getRtmpUrl('off', { expires: 600 }), lb.rtmpPort), /disabled/],
        ['second publisher', url, /already has a publisher/],
      ];
      for (const [name, attemptUrl, reason] of attempts) {
        const attempt = ffmpegPublish(clip, attemptUrl, { realtime: true });
        const timer = setTimeout(() => attempt.stop(), 10_000);
        const { code } = await attempt.done;
        clearTimeout(timer);
        assert.notEqual(code, 0, `${name} push should fail`);
        assert.ok(log.some((line) => reason.test(line)), `${name}: no refusal matching ${reason} in:\n${log.join('\n')}`);
      }
      assert.equal((await client.getChannelStatus('cam')).data.Status, 'Live');
    } finally {
      const { code, stderr } = await publisher.done;
      assert.equal(code, 0, stderr);
    }
    const pushEndedAt = Date.now();

    const history = await until('history record', async () => {
      const records = (await client.getChannelHistory('cam')).records ?? [];
      return records.length > 0 ? records : undefined;
    });
    assert.equal(history.length, 1);
    assert.ok(history[0].StartTime < history[0].EndTime);
    assert.match(history[0].RemoteAddr, /^127\.0\.0\.1:\d+$/);
    assert.equal((await client.getChannelStatus('cam')).data.Status, 'Idle');

    const listSegments = async () => {
      const names: string[] = (await client.list({ prefix: 'cam/' })).objects.map((o: { name: string }) => o.name);
      return { names, segments: names.filter((n) => /^cam\/\d+\.ts$/.test(n)) };
    };
    // The history record can close ~150 ms before the last segment is stored (the unpublish event does
    // not wait for the sink to flush), so the last segment is waited for.
    const { names, segments } = await until('the last segment', async () => {
      const listed = await listSegments();
      return listed.segments.length >= 3 ? listed : undefined;
    });
    assert.ok(!names.includes('cam/playlist.m3u8'), names.join(' '));
    const playlist = (await client.get('cam/mine.m3u8')).content.toString();
    assert.match(playlist, /^#EXTM3U\n/);
    for (const listed of playlist.split('\n').filter((l: string) => l.endsWith('.ts'))) {
      assert.ok(names.includes(`cam/${listed}`), `${listed} is listed but not stored`);
    }

    const span = { startTime: Math.floor(pushStartedAt / 1000) - 1, endTime: Math.ceil(pushEndedAt / 1000) + 1 };
    const vod = await client.createVod('cam', 'vod.m3u8', span);
    assert.equal(vod.res.status, 200);
    const vodBody = (await client.get('cam/vod.m3u8')).content.toString();
    assert.match(vodBody, /#EXT-X-ENDLIST\n?$/);
    const vodSegments = vodBody.split('\n').filter((l: string) => l.endsWith('.ts'));
    assert.equal(vodSegments.length, segments.length);

    // The VOD playlist with its segments beside it, as a user downloading the replay would have them.
    const local = join(dir, 'vod');
    mkdirSync(local);
    writeFileSync(join(local, 'vod.m3u8'), vodBody);
    for (const name of vodSegments) writeFileSync(join(local, name), (await client.get(`cam/${name}`)).content);
    const decoded = await decode(join(local, 'vod.m3u8'));
    assert.equal(decoded.errors, '');
    assert.ok(Math.abs(decoded.videoFrames - CLIP_SECONDS * 30) <= 2, `video frames ${decoded.videoFrames}`);
    const probed = await probeStreams(join(local, 'vod.m3u8'));
    assert.ok(Math.abs(probed.duration - CLIP_SECONDS) < 0.5, `duration ${probed.duration}`);
  });

  test('disabling a live channel disconnects its publisher at once and Stat shows Disabled', async () => {
    const clip = await makeClip({ seconds: 10, fps: 30, gop: 60, width: 640, height: 360 });
    await client.putChannel('kick', { Target: { Type: 'HLS', FragDuration: '2', FragCount: '3' } });
    const publisher = ffmpegPublish(clip, onRtmpPort(client.getRtmpUrl('kick', { expires: 600 }), lb.rtmpPort), { realtime: true });
    await until('Live stat', async () => ((await client.getChannelStatus('kick')).data.Status === 'Live' ? true : undefined));
    const disabledAt = Date.now();
    await client.putChannelStatus('kick', 'disabled');
    await publisher.done;
    // The clip would have run 10 s; the publisher is gone long before.
    assert.ok(Date.now() - disabledAt < 5_000, `publisher ended ${Date.now() - disabledAt} ms after disabling`);
    assert.equal((await client.getChannelStatus('kick')).data.Status, 'Disabled');
  });
});
