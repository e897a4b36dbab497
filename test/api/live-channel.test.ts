import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PublishSession } from '../../engine/ingest/sink.js';
import { SERVICE_DOMAIN, ossClient } from '../util/api-client.js';
import { type ApiFixture, startApiFixture } from '../util/api-server.js';

const BUCKET = 'live-bucket';
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/;
const FULL = { Description: 'd', Status: 'enabled', Target: { Type: 'HLS', FragDuration: '10', FragCount: '5', PlaylistName: 'playlist.m3u8' } };

type Client = ReturnType<typeof ossClient>;

/** A signed request for what ali-oss has no method for; returns status, headers and the raw body. */
async function signedRaw(client: Client, method: string, object: string, subres: Record<string, string | null>) {
  const params = client._objectRequestParams(method, object, { subres });
  params.successStatuses = [200, 204];
  const result = await client.request(params);
  return { status: result.res.status as number, headers: result.res.headers as Record<string, string>, body: String(result.data) };
}

function fakeSession(bucket: string, channel: string, connectedAt: number): PublishSession {
  return {
    id: `session-${channel}`,
    bucket,
    channel,
    playlistName: 'playlist.m3u8',
    remoteAddress: '10.1.2.3',
    remotePort: 47745,
    connectedAt,
    stats: {
      video: {
        codec: 'avc',
        record: new Uint8Array(0),
        profile: 100,
        compatibility: 0,
        level: 31,
        nalLengthSize: 4,
        sps: [],
        pps: [],
        width: 1280,
        height: 720,
        frameRate: 29.97,
      },
      audio: {
        codec: 'aac',
        asc: new Uint8Array(0),
        objectType: 2,
        samplingFrequencyIndex: 4,
        sampleRate: 44100,
        channelConfiguration: 2,
        channels: 2,
      },
      audioCodecName: 'AAC',
      videoBytes: 10 * 125_000,
      audioBytes: 10 * 16_000,
      videoFrames: 300,
      audioFrames: 430,
      dropped: {},
    },
  };
}

describe('LiveChannel operations through ali-oss', () => {
  let f: ApiFixture;
  let client: Client;
  before(async () => {
    f = await startApiFixture({ serviceDomains: [SERVICE_DOMAIN] });
    client = ossClient(f.port, BUCKET);
    await client.putBucket(BUCKET);
  });
  after(() => f.close());

  test('putChannel returns one PublishUrl and one PlayUrl; getChannel deep-equals the configuration', async () => {
    const created = await client.putChannel('full', FULL);
    assert.equal(created.res.status, 200);
    assert.match(created.res.headers['x-oss-request-id'], /^[0-9A-F]{24}$/);
    // IP endpoint: the bucket cannot be a subdomain of an IP, so it moves into the path.
    assert.deepEqual(created.publishUrls, [`rtmp://127.0.0.1/${BUCKET}/live/full`]);
    assert.deepEqual(created.playUrls, [`http://127.0.0.1:${f.port}/${BUCKET}/full/playlist.m3u8`]);
    const got = await client.getChannel('full');
    assert.deepEqual(got.data, FULL);
    const hosted = ossClient(f.port, BUCKET, { style: 'virtual-host' });
    const viaHost = await hosted.putChannel('hosted', FULL);
    assert.deepEqual(viaHost.publishUrls, [`rtmp://${BUCKET}.${SERVICE_DOMAIN}/live/hosted`]);
    assert.deepEqual(viaHost.playUrls, [`http://${BUCKET}.${SERVICE_DOMAIN}:${f.port}/hosted/playlist.m3u8`]);
  });

  test('defaults: only Target/Type, and an empty PlaylistName, give enabled, 5, 3, playlist.m3u8, ""', async () => {
    await client.putChannel('defaults', { Target: { Type: 'HLS' } });
    const expected = { Description: '', Status: 'enabled', Target: { Type: 'HLS', FragDuration: '5', FragCount: '3', PlaylistName: 'playlist.m3u8' } };
    assert.deepEqual((await client.getChannel('defaults')).data, expected);
    await client.putChannel('empty-name', { Description: '', Target: { Type: 'HLS', FragDuration: '5', FragCount: '3', PlaylistName: '' } });
    assert.equal((await client.getChannel('empty-name')).data.Target.PlaylistName, 'playlist.m3u8');
  });

  test('re-creating an idle channel overwrites it; a live one is 409 ChannelStillLive', async () => {
    await client.putChannel('again', FULL);
    await client.putChannel('again', { ...FULL, Target: { ...FULL.Target, FragDuration: '2', PlaylistName: 'other.m3u8' } });
    const t = (await client.getChannel('again')).data.Target;
    assert.equal(t.FragDuration, '2');
    assert.equal(t.PlaylistName, 'other.m3u8');
    f.live.sessions.set(`${BUCKET}/again`, fakeSession(BUCKET, 'again', Date.now()));
    try {
      await assert.rejects(client.putChannel('again', FULL), { status: 409, code: 'ChannelStillLive' });
      await assert.rejects(client.deleteChannel('again'), { status: 409, code: 'ChannelStillLive' });
    } finally {
      f.live.sessions.delete(`${BUCKET}/again`);
    }
  });

  test('invalid configurations are 400 InvalidArgument with the documented EC', async () => {
    const cases: [object, string][] = [
      [{ Target: { Type: 'RTMP' } }, '0044-00000013'],
      [{ Target: { Type: 'HLS', FragDuration: '200', FragCount: '3' } }, '0044-00000014'],
      [{ Target: { Type: 'HLS', FragDuration: 'abc', FragCount: '3' } }, '0044-00000014'],
      [{ Target: { Type: 'HLS', FragDuration: '5', FragCount: '0' } }, '0044-00000015'],
      [{ Target: { Type: 'HLS', FragDuration: '5', FragCount: '199' } }, '0044-00000015'],
      [{ Target: { Type: 'HLS', PlaylistName: 'abc.text' } }, '0044-00000018'],
      [{ Target: { Type: 'HLS', PlaylistName: 'my/p.m3u8' } }, '0044-00000016'],
      [{ Target: { Type: 'HLS', PlaylistName: 'a'.repeat(124) + '.m3u8' } }, '0044-00000017'],
      [{ Description: 'x'.repeat(129), Target: { Type: 'HLS' } }, '0044-00000001'],
      [{ Status: 'paused', Target: { Type: 'HLS' } }, '0044-00000002'],
    ];
    for (const [config, ec] of cases) {
      await assert.rejects(client.putChannel('invalid', config), { status: 400, code: 'InvalidArgument', ecCode: ec }, ec);
    }
    await client.putChannel('bounds', { Target: { Type: 'HLS', FragDuration: '100', FragCount: '99' } });
    assert.equal((await client.getChannel('bounds')).data.Target.FragDuration, '100');
    await assert.rejects(client.getChannel('invalid'), { status: 404, code: 'NoSuchLiveChannel' });
  });

  test('a missing channel is 404 NoSuchLiveChannel for info, stat, history, status and delete', async () => {
    for (const call of [
      () => client.getChannel('missing'),
      () => client.getChannelStatus('missing'),
      () => client.getChannelHistory('missing'),
      () => client.putChannelStatus('missing', 'disabled'),
      () => client.deleteChannel('missing'),
    ]) {
      await assert.rejects(call(), { status: 404, code: 'NoSuchLiveChannel' });
    }
  });

  test('stat: Idle with nothing else; disabled -> Disabled; Live shows the publish with integer rates', async () => {
    await client.putChannel('stat', FULL);
    const idle = await signedRaw(client, 'GET', 'stat', { live: null, comp: 'stat' });
    assert.match(idle.body, /<LiveChannelStat><Status>Idle<\/Status><\/LiveChannelStat>/);
    assert.deepEqual((await client.getChannelStatus('stat')).data, { Status: 'Idle' });

    const connectedAt = Date.now() - 10_000;
    f.live.sessions.set(`${BUCKET}/stat`, fakeSession(BUCKET, 'stat', connectedAt));
    try {
      const live = (await client.getChannelStatus('stat')).data;
      assert.equal(live.Status, 'Live');
      assert.match(live.ConnectedTime, ISO_SECONDS);
      assert.equal(live.RemoteAddr, '10.1.2.3:47745');
      assert.equal(live.Video.Width, '1280');
      assert.equal(live.Video.Height, '720');
      assert.equal(live.Video.FrameRate, '30');
      assert.equal(live.Video.Codec, 'H264');
      // 1.25 MB over ~10 s: about 125 000 bytes/s.
      assert.ok(Math.abs(Number(live.Video.Bandwidth) - 125_000) < 5_000, live.Video.Bandwidth);
      assert.equal(live.Audio.SampleRate, '44100');
      assert.equal(live.Audio.Codec, 'AAC');
      assert.match(live.Audio.Bandwidth, /^\d+$/);

      await client.putChannelStatus('stat', 'disabled');
      assert.deepEqual(f.live.kicked, [`${BUCKET}/stat:LiveChannel disabled`]);
    } finally {
      f.live.sessions.delete(`${BUCKET}/stat`);
    }
    assert.equal((await client.getChannel('stat')).data.Status, 'disabled');
    assert.deepEqual((await client.getChannelStatus('stat')).data, { Status: 'Disabled' });
    assert.equal((await client.putChannelStatus('stat', 'disabled')).res.status, 200);
    await client.putChannelStatus('stat', 'enabled');
    assert.equal((await client.putChannelStatus('stat', 'enabled')).res.status, 200);
    assert.equal((await client.getChannel('stat')).data.Status, 'enabled');
    await assert.rejects(client.putChannelStatus('stat', 'qwertyuio'), { status: 400 });
  });

  test('history: none for a new channel; finished pushes listed with .000Z times', async () => {
    await client.putChannel('history', FULL);
    const empty = await client.getChannelHistory('history');
    assert.deepEqual(empty.records ?? [], []);
    const t0 = Date.UTC(2026, 0, 1, 0, 0, 0);
    for (let i = 0; i < 11; i++) {
      const id = f.meta.startPush(BUCKET, 'history', t0 + i * 60_000, `10.0.0.${i}:1000`);
      f.meta.endPush(id, t0 + i * 60_000 + 30_000);
    }
    f.meta.startPush(BUCKET, 'history', t0 + 3_600_000, '10.0.0.99:1000');
    const records = (await client.getChannelHistory('history')).records;
    assert.equal(records.length, 9);
    for (const r of records) {
      assert.match(r.StartTime, ISO_SECONDS);
      assert.ok(r.StartTime < r.EndTime);
    }
    assert.equal(records.at(-1).RemoteAddr, '10.0.0.10:1000');
  });

  test('listChannels: empty result, ali-oss prefix/marker/max-keys, paging over 200 channels, bad max-keys', async () => {
    const other = ossClient(f.port, 'list-bucket');
    await other.putBucket('list-bucket');
    const empty = await signedRaw(other, 'GET', '', { live: null });
    assert.match(empty.body, /<Prefix><\/Prefix><Marker><\/Marker><MaxKeys>100<\/MaxKeys><IsTruncated>false<\/IsTruncated>/);
    assert.doesNotMatch(empty.body, /<LiveChannel>/);
    const none = await other.listChannels({});
    assert.deepEqual(none.channels, []);
    assert.equal(none.isTruncated, false);

    for (let i = 0; i < 10; i++) await other.putChannel(`channel-list-${i}`, { Target: { Type: 'HLS' } });
    const page = await other.listChannels({ prefix: 'channel-list-', marker: 'channel-list-4', 'max-keys': 3 });
    assert.deepEqual(page.channels.map((c: { Name: string }) => c.Name), ['channel-list-5', 'channel-list-6', 'channel-list-7']);
    assert.equal(page.nextMarker, 'channel-list-7');
    assert.equal(page.isTruncated, true);
    assert.match(page.channels[0].LastModified, ISO_SECONDS);

    for (let i = 0; i < 200; i++) await other.putChannel(`p${String(i).padStart(3, '0')}`, { Target: { Type: 'HLS' } });
    const first = await other.listChannels({ prefix: 'p' });
    assert.equal(first.channels.length, 100);
    assert.equal(first.isTruncated, true);
    assert.equal(first.nextMarker, 'p099');
    const second = await other.listChannels({ prefix: 'p', marker: 'p100' });
    assert.equal(second.channels.length, 99);
    assert.equal(second.isTruncated, false);
    const all = await other.listChannels({ prefix: 'p', 'max-keys': 1000 });
    assert.equal(all.channels.length, 200);
    await assert.rejects(other.listChannels({ 'max-keys': -1 }), { status: 400, code: 'InvalidArgument' });
    await assert.rejects(other.listChannels({ 'max-keys': 1001 }), { status: 400 });
  });

  test('deleteChannel is 204, then 404; the channel objects stay listable', async () => {
    await client.putChannel('gone', FULL);
    await client.put('gone/1700000000000.ts', Buffer.from('ts'));
    assert.equal((await client.deleteChannel('gone')).res.status, 204);
    await assert.rejects(client.getChannel('gone'), { status: 404, code: 'NoSuchLiveChannel' });
    const left = await client.list({ prefix: 'gone/' });
    assert.deepEqual(left.objects.map((o: { name: string }) => o.name), ['gone/1700000000000.ts']);
  });

  test('createVod / GetVodPlaylist: 0044-00000308 when no segment lies in the span; range checks', async () => {
    await client.putChannel('vod-empty', FULL);
    await assert.rejects(client.createVod('vod-empty', 'vod.m3u8', { startTime: 1700000000, endTime: 1700000100 }), {
      status: 400,
      code: 'InvalidArgument',
      ecCode: '0044-00000308',
      message: 'No ts file found in specified time span.',
    });
    // A channel that does not exist (or was deleted) answers the same, as ali-oss's own test expects.
    await assert.rejects(client.createVod('never-existed', 'vod.m3u8', { startTime: 1700000000, endTime: 1700000100 }), {
      ecCode: '0044-00000308',
    });
    await assert.rejects(client.createVod('vod-empty', 'vod.m3u8', { startTime: 1700000100, endTime: 1700000100 }), { status: 400 });
    await assert.rejects(client.createVod('vod-empty', 'vod.m3u8', { startTime: 1700000000, endTime: 1700086401 }), { status: 400 });
    await assert.rejects(client.createVod('vod-empty', 'vod.m3u8', { startTime: 'abc', endTime: 1700000100 }), {
      status: 400,
      ecCode: '0044-00000304',
    });
  });

  test('createVod writes the VOD playlist of the stored segments starting in the span; GetVodPlaylist returns it', async () => {
    await client.putChannel('vod', FULL);
    const t0 = 1_764_000_000_000;
    let cursor = f.meta.getHlsCursor(BUCKET, 'vod');
    for (let i = 0; i < 4; i++) {
      const startTime = t0 + i * 10_000;
      const segment = { key: `vod/${startTime}.ts`, startTime, durationMs: 10_000, sequence: i, discontinuity: false };
      cursor = { nextSequence: i + 1, discontinuitySequence: cursor.discontinuitySequence, lastSegmentName: startTime };
      f.meta.addSegment(BUCKET, 'vod', segment, cursor);
      await client.put(segment.key, Buffer.from(`segment ${i}`));
    }
    // [t0, t0 + 25 s] holds the starts of segments 0, 1 and 2.
    const span = { startTime: t0 / 1000, endTime: t0 / 1000 + 25 };
    const created = await client.createVod('vod', 'replay.m3u8', span);
    assert.equal(created.res.status, 200);
    assert.match(created.res.headers.etag, /^"[0-9A-F]{32}"$/);
    const stored = (await client.get('vod/replay.m3u8')).content.toString();
    assert.match(stored, /^#EXTM3U\n/);
    assert.match(stored, /#EXT-X-VERSION:3\n/);
    assert.match(stored, /#EXT-X-MEDIA-SEQUENCE:0\n/);
    assert.equal(stored.match(/#EXTINF:10\.000,/g)?.length, 3);
    assert.match(stored, new RegExp(`${t0 + 20_000}\\.ts\\n#EXT-X-ENDLIST\\n?$`));
    const got = await signedRaw(client, 'GET', 'vod', { vod: null, startTime: String(span.startTime), endTime: String(span.endTime) });
    assert.equal(got.status, 200);
    assert.equal(got.headers['content-type'], 'application/x-mpegURL');
    assert.equal(got.body, stored);

    // A segment object the user deleted is left out; players get a discontinuity at the gap.
    await client.delete(`vod/${t0 + 10_000}.ts`);
    const pruned = await signedRaw(client, 'GET', 'vod', { vod: null, startTime: String(span.startTime), endTime: String(span.endTime) });
    assert.equal(pruned.body.match(/#EXTINF:/g)?.length, 2);
    assert.match(pruned.body, new RegExp(`${t0}\\.ts\\n#EXT-X-DISCONTINUITY\\n#EXTINF:10\\.000,\\n${t0 + 20_000}\\.ts`));
  });

  test('getRtmpUrl signs a URL carrying Expires, OSSAccessKeyId, Signature and playlistName', () => {
    const url = new URL(client.getRtmpUrl('full', { expires: 3600, params: { playlistName: 'x.m3u8' } }));
    assert.equal(url.protocol, 'rtmp:');
    assert.equal(url.pathname, '/live/full');
    assert.ok(url.searchParams.get('Signature'));
    assert.equal(url.searchParams.get('playlistName'), 'x.m3u8');
  });
});

describe('PublishUrls and PlayUrls with a configured public host', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture({ publicHost: 'media.example.com' });
  });
  after(() => f.close());

  test('name the public host, the RTMP port and this API port', async () => {
    const client = ossClient(f.port, 'public-host');
    await client.putBucket('public-host');
    const created = await client.putChannel('cam 1', FULL);
    assert.deepEqual(created.publishUrls, ['rtmp://public-host.media.example.com/live/cam%201']);
    assert.deepEqual(created.playUrls, [`http://public-host.media.example.com:${f.port}/cam%201/playlist.m3u8`]);
  });
});
