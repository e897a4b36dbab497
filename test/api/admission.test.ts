import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PublishRequest } from '../../engine/ingest/sink.js';
import { createAdmission } from '../../server/api/admission.js';
import { ossClient } from '../util/api-client.js';
import { type ApiFixture, startApiFixture } from '../util/api-server.js';

const BUCKET = 'ingest-bucket';

/** The publish request an RTMP client makes of a URL: app = path before the channel, params from the query. */
function publishRequestOf(url: string, bucketFromUrl: string | undefined): PublishRequest {
  const u = new URL(url);
  const segments = u.pathname.split('/').filter((s) => s !== '');
  const channel = decodeURIComponent(segments.pop()!);
  return {
    bucket: bucketFromUrl,
    channel,
    params: Object.fromEntries(u.searchParams),
    app: segments.join('/'),
    tcUrl: `rtmp://${u.host}/${segments.join('/')}`,
    streamName: `${channel}${u.search}`,
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
  };
}

describe('RTMP publish admission', () => {
  let f: ApiFixture;
  let client: ReturnType<typeof ossClient>;
  let admit: ReturnType<typeof createAdmission>;
  before(async () => {
    f = await startApiFixture();
    client = ossClient(f.port, BUCKET);
    await client.putBucket(BUCKET);
    await client.putChannel('cam', { Target: { Type: 'HLS' } });
    admit = createAdmission({ meta: f.meta, live: f.live, keys: (id) => f.keys.get(id), defaultBucket: BUCKET });
  });
  after(() => f.close());

  test('an ali-oss getRtmpUrl URL is admitted (bucket from the default), naming its playlist', async () => {
    const url = client.getRtmpUrl('cam', { expires: 600, params: { playlistName: 'mine.m3u8' } });
    const result = await admit(publishRequestOf(url, undefined));
    assert.deepEqual(result, { ok: true, bucket: BUCKET, channel: 'cam', playlistName: 'mine.m3u8' });
    const plain = await admit(publishRequestOf(client.getRtmpUrl('cam'), BUCKET));
    assert.deepEqual(plain, { ok: true, bucket: BUCKET, channel: 'cam', playlistName: 'playlist.m3u8' });
  });

  test('tampered signature, expired URL, altered playlistName and unknown key are denied with a reason', async () => {
    const url = client.getRtmpUrl('cam', { expires: 600, params: { playlistName: 'mine.m3u8' } });
    const request = publishRequestOf(url, BUCKET);
    const signature = request.params['Signature']!;
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    const cases: [PublishRequest, RegExp][] = [
      [{ ...request, params: { ...request.params, Signature: flipped } }, /signature does not match/],
      [{ ...request, params: { ...request.params, playlistName: 'other.m3u8' } }, /signature does not match/],
      [publishRequestOf(client.getRtmpUrl('cam', { expires: -10 }), BUCKET), /expired/],
      [{ ...request, params: { ...request.params, OSSAccessKeyId: 'nobody' } }, /does not exist/],
    ];
    for (const [r, reason] of cases) {
      const result = await admit(r);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.code, 'NetStream.Publish.Denied');
        assert.match(result.description, reason);
      }
    }
  });

  test('unsigned publishes only to public-read-write buckets', async () => {
    const unsigned = publishRequestOf(`rtmp://127.0.0.1/${BUCKET}/live/cam`, BUCKET);
    const refused = await admit(unsigned);
    assert.ok(!refused.ok && /public-read-write/.test(refused.description));
    await client.putBucketACL(BUCKET, 'public-read-write');
    try {
      assert.equal((await admit(unsigned)).ok, true);
    } finally {
      await client.putBucketACL(BUCKET, 'private');
    }
  });

  test('missing bucket or channel, a disabled channel, a second publisher and a bad playlistName are refused', async () => {
    const signed = (channel: string, params: Record<string, string> = {}) =>
      publishRequestOf(client.getRtmpUrl(channel, { expires: 600, params }), BUCKET);
    const noChannel = await admit(signed('nope'));
    assert.ok(!noChannel.ok && noChannel.code === 'NetStream.Publish.BadName' && /nope does not exist/.test(noChannel.description));
    const noBucket = await admit({ ...signed('cam'), bucket: 'no-such-bucket' });
    assert.ok(!noBucket.ok && /Bucket no-such-bucket does not exist/.test(noBucket.description));
    const noDefault = createAdmission({ meta: f.meta, live: f.live, keys: (id) => f.keys.get(id), defaultBucket: undefined });
    const nowhere = await noDefault({ ...signed('cam'), bucket: undefined });
    assert.ok(!nowhere.ok && /no default bucket/.test(nowhere.description));

    await client.putChannelStatus('cam', 'disabled');
    const disabled = await admit(signed('cam'));
    assert.ok(!disabled.ok && /disabled/.test(disabled.description));
    await client.putChannelStatus('cam', 'enabled');

    const first = await admit(signed('cam'));
    assert.ok(first.ok);
    f.live.sessions.set(`${BUCKET}/cam`, {
      id: 'first',
      bucket: BUCKET,
      channel: 'cam',
      playlistName: 'playlist.m3u8',
      remoteAddress: '127.0.0.1',
      remotePort: 1,
      connectedAt: Date.now(),
      stats: { video: undefined, audio: undefined, audioCodecName: undefined, videoBytes: 0, audioBytes: 0, videoFrames: 0, audioFrames: 0, dropped: {} },
    });
    try {
      const second = await admit(signed('cam'));
      assert.ok(!second.ok && /already has a publisher/.test(second.description));
    } finally {
      f.live.sessions.delete(`${BUCKET}/cam`);
    }
    const badPlaylist = await admit(signed('cam', { playlistName: 'x/y.m3u8' }));
    assert.ok(!badPlaylist.ok && badPlaylist.code === 'NetStream.Publish.BadName' && /playlistName/.test(badPlaylist.description));
  });
});
