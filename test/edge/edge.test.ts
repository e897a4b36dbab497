import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { EventsClient } from '../../bench/events-client.js';
import { EDGE_DOMAIN, EDGE_KEY, edgeRequest, startEdgeFixture, type EdgeFixture } from '../util/edge-fixture.js';

// ali-oss ships no types; this is the one call used here.
const OSS = createRequire(import.meta.url)('ali-oss') as new (options: Record<string, unknown>) => {
  signatureUrl(key: string, options: { expires: number }): string;
};

const md5 = (body: Buffer): string => createHash('md5').update(body).digest('hex').toUpperCase();

const PLAYLIST = Buffer.from('#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000,\n1700000000000.ts\n');

/** A presigned GET URL from the real SDK, path-style, as a path + query on the edge. */
function presignedPath(bucket: string, key: string, expires = 600): string {
  const client = new OSS({
    accessKeyId: EDGE_KEY.id,
    accessKeySecret: EDGE_KEY.secret,
    bucket,
    endpoint: 'http://localhost:1',
    sldEnable: true,
  });
  const url = new URL(client.signatureUrl(key, { expires }));
  return url.pathname + url.search;
}

describe('edge: objects from the store', () => {
  let fx: EdgeFixture;
  const segment = randomBytes(1 << 20);
  const big = randomBytes(16 << 20);
  before(async () => {
    fx = await startEdgeFixture();
    fx.createBucket('pub', 'public-read');
    fx.createBucket('priv', 'private');
    await fx.objects.put('pub', 'ch/1700000000000.ts', segment, { contentType: 'video/MP2T' });
    await fx.objects.put('pub', 'ch/playlist.m3u8', PLAYLIST, { contentType: 'application/x-mpegURL' });
    await fx.objects.put('pub', 'ch/big.ts', big, { contentType: 'video/MP2T' });
    await fx.objects.put('priv', 'ch/playlist.m3u8', PLAYLIST, { contentType: 'application/x-mpegURL' });
    await fx.objects.put('priv', 'open/playlist.m3u8', PLAYLIST, { contentType: 'application/x-mpegURL', acl: 'public-read' });
  });
  after(() => fx.close());

  it('asks for the in-memory bodies of the channels it is asked for, and of no other', async () => {
    assert.equal(fx.events.segmentBodiesWanted('pub', 'ch'), false);
    assert.equal((await edgeRequest(fx.edge.port, 'GET', '/pub/ch/playlist.m3u8')).status, 200);
    assert.equal(fx.events.segmentBodiesWanted('pub', 'ch'), true);
    assert.equal(fx.events.segmentBodiesWanted('pub', 'other'), false);
    assert.equal(fx.events.segmentBodiesWanted('priv', 'ch'), false);
  });

  it('GET returns the bytes with type, length, ETag, immutable caching and CORS', async () => {
    const res = await edgeRequest(fx.edge.port, 'GET', '/pub/ch/1700000000000.ts');
    assert.equal(res.status, 200);
    assert.ok(res.body.equals(segment));
    assert.equal(res.headers['content-type'], 'video/MP2T');
    assert.equal(res.headers['content-length'], String(segment.length));
    assert.equal(res.headers.etag, `"${md5(segment)}"`);
    assert.match(String(res.headers['cache-control']), /immutable/);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(String(res.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
  });

  it('playlists are cacheable for at most a second', async () => {
    const res = await edgeRequest(fx.edge.port, 'GET', '/pub/ch/playlist.m3u8');
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), PLAYLIST.toString());
    assert.equal(res.headers['content-type'], 'application/x-mpegURL');
    assert.equal(res.headers['cache-control'], 'public, max-age=1');
  });

  it('HEAD announces the length without a body', async () => {
    const res = await edgeRequest(fx.edge.port, 'HEAD', '/pub/ch/1700000000000.ts');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], String(segment.length));
    assert.equal(res.body.length, 0);
  });

  it('Range gives 206 with the requested bytes; an unsatisfiable one the whole object', async () => {
    const res = await edgeRequest(fx.edge.port, 'GET', '/pub/ch/1700000000000.ts', { range: 'bytes=1000-1999' });
    assert.equal(res.status, 206);
    assert.equal(res.headers['content-range'], `bytes 1000-1999/${segment.length}`);
    assert.ok(res.body.equals(segment.subarray(1000, 2000)));
    const suffix = await edgeRequest(fx.edge.port, 'GET', '/pub/ch/1700000000000.ts', { range: 'bytes=-188' });
    assert.equal(suffix.status, 206);
    assert.ok(suffix.body.equals(segment.subarray(segment.length - 188)));
    const beyond = await edgeRequest(fx.edge.port, 'GET', '/pub/ch/1700000000000.ts', { range: `bytes=${segment.length}-` });
    assert.equal(beyond.status, 200);
    assert.equal(beyond.body.length, segment.length);
  });

  it('If-None-Match with the ETag gives 304, If-Match with another 412', async () => {
    const etag = `"${md5(segment)}"`;
    const notModified = await edgeRequest(fx.edge.port, 'GET', '/pub/ch/1700000000000.ts', { 'if-none-match': etag });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.body.length, 0);
    const failed = await edgeRequest(fx.edge.port, 'GET', '/pub/ch/1700000000000.ts', { 'if-match': '"0000"' });
    assert.equal(failed.status, 412);
    assert.match(failed.body.toString(), /<Code>PreconditionFailed<\/Code>/);
  });

  it('answers a CORS preflight', async () => {
    const res = await edgeRequest(fx.edge.port, 'OPTIONS', '/pub/ch/playlist.m3u8', {
      origin: 'http://player.example',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'range',
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.match(String(res.headers['access-control-allow-methods']), /GET/);
    assert.equal(res.headers['access-control-allow-headers'], 'range');
  });

  it('virtual-hosted addressing reaches the same object', async () => {
    const res = await edgeRequest(fx.edge.port, 'GET', '/ch/playlist.m3u8', { host: `pub.${EDGE_DOMAIN}:${fx.edge.port}` });
    assert.equal(res.status, 200);
    assert.equal(res.body.toString(), PLAYLIST.toString());
  });

  it('missing objects and buckets are OSS errors', async () => {
    const key = await edgeRequest(fx.edge.port, 'GET', '/pub/ch/none.ts');
    assert.equal(key.status, 404);
    assert.match(key.body.toString(), /<Code>NoSuchKey<\/Code>/);
    const bucket = await edgeRequest(fx.edge.port, 'GET', '/nobucket/ch/none.ts');
    assert.equal(bucket.status, 404);
    assert.match(bucket.body.toString(), /<Code>NoSuchBucket<\/Code>/);
    const put = await edgeRequest(fx.edge.port, 'PUT', '/pub/ch/none.ts');
    assert.equal(put.status, 405);
  });

  it('a private bucket refuses anonymous reads and accepts the SDK presigned URL', async () => {
    const anonymous = await edgeRequest(fx.edge.port, 'GET', '/priv/ch/playlist.m3u8');
    assert.equal(anonymous.status, 403);
    assert.match(anonymous.body.toString(), /<Code>AccessDenied<\/Code>/);
    const head = await edgeRequest(fx.edge.port, 'HEAD', '/priv/ch/playlist.m3u8');
    assert.equal(head.status, 403);
    assert.match(Buffer.from(String(head.headers['x-oss-err']), 'base64').toString(), /AccessDenied/);
    const signed = await edgeRequest(fx.edge.port, 'GET', presignedPath('priv', 'ch/playlist.m3u8'));
    assert.equal(signed.status, 200);
    assert.equal(signed.body.toString(), PLAYLIST.toString());
    assert.equal(signed.headers['cache-control'], 'private, max-age=1');
    const other = presignedPath('priv', 'ch/other.m3u8').replace('/priv/ch/other.m3u8', '/priv/ch/playlist.m3u8');
    const tampered = await edgeRequest(fx.edge.port, 'GET', other);
    assert.equal(tampered.status, 403);
    assert.match(tampered.body.toString(), /<Code>SignatureDoesNotMatch<\/Code>/);
    const expired = await edgeRequest(fx.edge.port, 'GET', presignedPath('priv', 'ch/playlist.m3u8', -10));
    assert.equal(expired.status, 403);
  });

  it('an object ACL of public-read opens one object of a private bucket', async () => {
    const res = await edgeRequest(fx.edge.port, 'GET', '/priv/open/playlist.m3u8');
    assert.equal(res.status, 200);
  });

  it('a slow viewer still gets every byte of a large segment', async () => {
    const res = await edgeRequest(fx.edge.port, 'GET', '/pub/ch/big.ts', {}, 300);
    assert.equal(res.status, 200);
    assert.equal(md5(res.body), md5(big));
  });
});

describe('edge: live bodies handed over by the HLS writer', () => {
  let fx: EdgeFixture;
  before(async () => {
    fx = await startEdgeFixture({ segmentsPerChannel: 2 });
    fx.createBucket('live', 'public-read');
  });
  after(() => fx.close());

  async function storeSegment(key: string, body: Buffer): Promise<void> {
    await fx.objects.put('live', key, body, { contentType: 'video/MP2T' });
    fx.events.emit('segmentBody', { bucket: 'live', key, body, retain: undefined });
  }

  it('serves live segments and playlists with the stored ETag, ranges included', async () => {
    const body = randomBytes(300_000);
    await storeSegment('cam/1700000001000.ts', body);
    await fx.objects.put('live', 'cam/playlist.m3u8', PLAYLIST, { contentType: 'application/x-mpegURL' });
    fx.events.emit('playlist', { bucket: 'live', channel: 'cam', key: 'cam/playlist.m3u8', body: PLAYLIST, time: Date.now() });
    for (let i = 0; i < 2; i++) {
      const res = await edgeRequest(fx.edge.port, 'GET', '/live/cam/1700000001000.ts');
      assert.equal(res.status, 200);
      assert.ok(res.body.equals(body));
      assert.equal(res.headers.etag, `"${md5(body)}"`);
    }
    const ranged = await edgeRequest(fx.edge.port, 'GET', '/live/cam/1700000001000.ts', { range: 'bytes=188-375' });
    assert.equal(ranged.status, 206);
    assert.ok(ranged.body.equals(body.subarray(188, 376)));
    const playlist = await edgeRequest(fx.edge.port, 'GET', '/live/cam/playlist.m3u8');
    assert.equal(playlist.body.toString(), PLAYLIST.toString());
    assert.equal(playlist.headers.etag, `"${md5(PLAYLIST)}"`);
    const again = await edgeRequest(fx.edge.port, 'GET', '/live/cam/playlist.m3u8', { 'if-none-match': `"${md5(PLAYLIST)}"` });
    assert.equal(again.status, 304);
  });

  it('a slow viewer of a large live segment gets every byte', async () => {
    const body = randomBytes(16 << 20);
    await storeSegment('cam/1700000001500.ts', body);
    const res = await edgeRequest(fx.edge.port, 'GET', '/live/cam/1700000001500.ts', {}, 300);
    assert.equal(res.status, 200);
    assert.equal(md5(res.body), md5(body));
  });

  it('a rewritten playlist is served at once', async () => {
    const next = Buffer.from(PLAYLIST.toString() + '#EXTINF:2.000,\n1700000002000.ts\n');
    await fx.objects.put('live', 'cam/playlist.m3u8', next, { contentType: 'application/x-mpegURL' });
    fx.events.emit('playlist', { bucket: 'live', channel: 'cam', key: 'cam/playlist.m3u8', body: next, time: Date.now() });
    const res = await edgeRequest(fx.edge.port, 'GET', '/live/cam/playlist.m3u8');
    assert.equal(res.body.toString(), next.toString());
    assert.equal(res.headers.etag, `"${md5(next)}"`);
  });

  it('segments evicted from memory still come from the store', async () => {
    const bodies = [randomBytes(1000), randomBytes(1000), randomBytes(1000)];
    for (const [i, body] of bodies.entries()) await storeSegment(`cam/17000000100${i}0.ts`, body);
    for (const [i, body] of bodies.entries()) {
      const res = await edgeRequest(fx.edge.port, 'GET', `/live/cam/17000000100${i}0.ts`);
      assert.equal(res.status, 200);
      assert.ok(res.body.equals(body));
    }
  });

  it('sends non-ASCII user metadata as its UTF-8 bytes, from memory and from the store', async () => {
    const meta = { userMeta: { title: 'café à 東京' } };
    await fx.objects.put('live', 'cam/meta.ts', Buffer.from('stored'), { contentType: 'video/MP2T', ...meta });
    const live = Buffer.from('live');
    await fx.objects.put('live', 'cam/1700000030000.ts', live, { contentType: 'video/MP2T', ...meta });
    fx.events.emit('segmentBody', { bucket: 'live', key: 'cam/1700000030000.ts', body: live, retain: undefined });
    for (const path of ['/live/cam/meta.ts', '/live/cam/1700000030000.ts', '/live/cam/1700000030000.ts']) {
      const res = await edgeRequest(fx.edge.port, 'GET', path);
      assert.equal(res.status, 200);
      // Node's client reads header bytes as latin1.
      assert.equal(Buffer.from(String(res.headers['x-oss-meta-title']), 'latin1').toString('utf8'), 'café à 東京', path);
    }
  });

  it('a segment deleted through the store disappears from the edge within a second', async () => {
    const body = randomBytes(5000);
    await storeSegment('cam/1700000020000.ts', body);
    assert.equal((await edgeRequest(fx.edge.port, 'GET', '/live/cam/1700000020000.ts')).status, 200);
    await fx.objects.delete('live', 'cam/1700000020000.ts');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await edgeRequest(fx.edge.port, 'GET', '/live/cam/1700000020000.ts')).status, 404);
  });
});

describe('edge: /events', () => {
  let fx: EdgeFixture;
  before(async () => {
    fx = await startEdgeFixture();
    fx.createBucket('pub', 'public-read');
    fx.createBucket('priv', 'private');
  });
  after(() => fx.close());

  const segmentEvent = (bucket: string, channel: string, sequence: number) => ({
    bucket,
    channel,
    key: `${channel}/${1700000000000 + sequence}.ts`,
    sequence,
    durationMs: 2000,
    bytes: 188 * 100,
    latencyMs: 12,
    time: Date.now(),
  });

  it('a channel subscriber receives that channel’s segment events only', async () => {
    const client = await EventsClient.connect(fx.edge.port, '/events?bucket=pub&channel=cam');
    try {
      fx.events.emit('segment', segmentEvent('pub', 'other', 1));
      fx.events.emit('segment', segmentEvent('pub', 'cam', 2));
      const event = await client.waitFor((e) => e.type === 'segment', 5000);
      assert.equal(event.channel, 'cam');
      assert.equal(event.sequence, 2);
      assert.equal(event.durationMs, 2000);
      assert.equal(event.latencyMs, 12);
      assert.equal(client.events.filter((e) => e.channel === 'other').length, 0);
    } finally {
      client.close();
    }
  });

  it('a bucket subscriber receives publish, segment and unpublish of every channel', async () => {
    const client = await EventsClient.connect(fx.edge.port, '/events?bucket=pub');
    try {
      fx.events.emit('publish', { bucket: 'pub', channel: 'a', sessionId: 's1', remoteAddr: '127.0.0.1', time: Date.now() });
      fx.events.emit('segment', segmentEvent('pub', 'b', 3));
      fx.events.emit('unpublish', { bucket: 'pub', channel: 'a', sessionId: 's1', reason: 'unpublish', time: Date.now() });
      await client.waitFor((e) => e.type === 'unpublish', 5000);
      assert.deepEqual(client.events.map((e) => `${e.type}:${e.channel}`), ['publish:a', 'segment:b', 'unpublish:a']);
    } finally {
      client.close();
    }
  });

  it('a private channel needs its presigned playlist query', async () => {
    await assert.rejects(EventsClient.connect(fx.edge.port, '/events?bucket=priv&channel=cam'), { status: 403 });
    const signed = presignedPath('priv', 'cam/playlist.m3u8');
    const query = signed.slice(signed.indexOf('?') + 1);
    const client = await EventsClient.connect(fx.edge.port, `/events?bucket=priv&channel=cam&${query}`);
    try {
      fx.events.emit('segment', segmentEvent('priv', 'cam', 7));
      const event = await client.waitFor((e) => e.type === 'segment', 5000);
      assert.equal(event.sequence, 7);
    } finally {
      client.close();
    }
  });
});
