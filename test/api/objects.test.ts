import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type RawResponse, fetchSignedUrl, ossClient, rawRequest } from '../util/api-client.js';
import { type ApiFixture, startApiFixture } from '../util/api-server.js';
import { SERVICE_DOMAIN } from '../util/api-client.js';

const BUCKET = 'objects-bucket';
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/;
const md5Hex = (b: Buffer | string): string => createHash('md5').update(b).digest('hex').toUpperCase();

function errorCode(response: RawResponse): string | undefined {
  return /<Code>([^<]*)<\/Code>/.exec(response.body.toString())?.[1];
}

describe('buckets and objects through ali-oss (IP endpoint, virtual-host Host)', () => {
  let f: ApiFixture;
  let client: ReturnType<typeof ossClient>;
  before(async () => {
    f = await startApiFixture({ serviceDomains: [SERVICE_DOMAIN] });
    client = ossClient(f.port, BUCKET);
    const created = await client.putBucket(BUCKET);
    assert.equal(created.bucket, BUCKET);
  });
  after(() => f.close());

  test('put, get, head, list and delete an object whose key has "/", space and "+"', async () => {
    const key = 'dir/a b+c.ts';
    const body = Buffer.from('segment bytes 0123456789');
    const put = await client.put(key, body, { meta: { author: 'alice' }, mime: 'video/MP2T' });
    assert.equal(put.res.status, 200);
    assert.equal(put.res.headers.etag, `"${md5Hex(body)}"`);
    assert.match(put.res.headers['x-oss-request-id'], /^[0-9A-F]{24}$/);

    const got = await client.get(key);
    assert.deepEqual(got.content, body);
    assert.equal(got.res.headers['content-type'], 'video/MP2T');
    assert.equal(got.res.headers['x-oss-meta-author'], 'alice');
    assert.match(got.res.headers['last-modified'], /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);

    const head = await client.head(key);
    assert.equal(head.status, 200);
    assert.equal(head.meta.author, 'alice');
    assert.equal(head.res.headers['content-length'], String(body.length));

    const meta = await client.getObjectMeta(key);
    assert.equal(meta.res.headers.etag, `"${md5Hex(body)}"`);

    const listed = await client.list({ prefix: 'dir/' });
    assert.deepEqual(listed.objects.map((o: { name: string }) => o.name), [key]);
    assert.equal(listed.objects[0].size, body.length);
    assert.match(listed.objects[0].lastModified, ISO_SECONDS);
    assert.equal(listed.objects[0].owner.id, 'livebucket');

    const deleted = await client.delete(key);
    assert.equal(deleted.res.status, 204);
    await assert.rejects(client.head(key), { status: 404, name: 'NoSuchKeyError' });
    // Deleting again is still 204.
    assert.equal((await client.delete(key)).res.status, 204);
  });

  test('a wrong Content-MD5 is 400 InvalidDigest and stores nothing', async () => {
    const wrong = createHash('md5').update('other').digest('base64');
    await assert.rejects(client.put('md5.bin', Buffer.from('payload'), { headers: { 'Content-MD5': wrong } }), {
      status: 400,
      code: 'InvalidDigest',
    });
    await assert.rejects(client.head('md5.bin'), { status: 404 });
  });

  test('ranges: bytes=0-1 is 206 with Content-Range, bytes=-5 the last five, an unsatisfiable one the whole object', async () => {
    const body = Buffer.from('0123456789abcdef');
    await client.put('range.bin', body);
    const first = await client.get('range.bin', { headers: { Range: 'bytes=0-1' } });
    assert.equal(first.res.status, 206);
    assert.equal(first.res.headers['content-range'], `bytes 0-1/${body.length}`);
    assert.equal(first.content.toString(), '01');
    const tail = await client.get('range.bin', { headers: { Range: 'bytes=-5' } });
    assert.equal(tail.content.toString(), 'bcdef');
    const beyond = await client.get('range.bin', { headers: { Range: 'bytes=100-200' } });
    assert.equal(beyond.res.status, 200);
    assert.deepEqual(beyond.content, body);
  });

  test('conditional GET: If-None-Match -> 304, If-Match mismatch -> 412 PreconditionFailed', async () => {
    const put = await client.put('cond.txt', Buffer.from('conditional'));
    const etag = put.res.headers.etag;
    const notModified = await client.get('cond.txt', { headers: { 'If-None-Match': etag } });
    assert.equal(notModified.res.status, 304);
    const since = await client.get('cond.txt', { headers: { 'If-Modified-Since': new Date(Date.now() + 60_000).toUTCString() } });
    assert.equal(since.res.status, 304);
    await assert.rejects(client.get('cond.txt', { headers: { 'If-Match': '"00000000000000000000000000000000"' } }), {
      status: 412,
      code: 'PreconditionFailed',
    });
    await assert.rejects(client.get('cond.txt', { headers: { 'If-Unmodified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' } }), {
      status: 412,
    });
  });

  test('response-* query parameters override response headers', async () => {
    await client.put('override.txt', Buffer.from('x'));
    const got = await client.get('override.txt', {
      subres: { 'response-content-type': 'text/x-custom', 'response-content-disposition': 'attachment; filename="x.txt"' },
    });
    assert.equal(got.res.headers['content-type'], 'text/x-custom');
    assert.equal(got.res.headers['content-disposition'], 'attachment; filename="x.txt"');
  });

  test('x-oss-forbid-overwrite refuses to replace an object with 409 FileAlreadyExists', async () => {
    await client.put('once.txt', Buffer.from('first'));
    await assert.rejects(client.put('once.txt', Buffer.from('second'), { headers: { 'x-oss-forbid-overwrite': 'true' } }), {
      status: 409,
      code: 'FileAlreadyExists',
    });
    assert.equal((await client.get('once.txt')).content.toString(), 'first');
  });

  test('list v1 pages with marker and folds common prefixes with a delimiter', async () => {
    for (const k of ['p/a/1', 'p/a/2', 'p/b/1', 'p/c', 'p/d']) await client.put(k, Buffer.from(k));
    const folded = await client.list({ prefix: 'p/', delimiter: '/' });
    assert.deepEqual(folded.prefixes, ['p/a/', 'p/b/']);
    assert.deepEqual(folded.objects.map((o: { name: string }) => o.name), ['p/c', 'p/d']);
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await client.list({ prefix: 'p/', delimiter: '/', 'max-keys': 1, ...(marker ? { marker } : {}) });
      names.push(...(page.prefixes ?? []), ...page.objects.map((o: { name: string }) => o.name));
      marker = page.isTruncated ? page.nextMarker : undefined;
    } while (marker);
    assert.deepEqual(names, ['p/a/', 'p/b/', 'p/c', 'p/d']);
  });

  test('list v2 pages with continuation tokens and start-after; encoding-type=url round-trips space and plus', async () => {
    for (const k of ['v2/x 1+', 'v2/x 2+', 'v2/x 3+']) await client.put(k, Buffer.from(k));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.listV2({ prefix: 'v2/', 'max-keys': 2, ...(token ? { 'continuation-token': token } : {}) });
      seen.push(...page.objects.map((o: { name: string }) => o.name));
      token = page.isTruncated ? page.nextContinuationToken : undefined;
    } while (token);
    assert.deepEqual(seen, ['v2/x 1+', 'v2/x 2+', 'v2/x 3+']);
    const afterFirst = await client.listV2({ prefix: 'v2/', 'start-after': 'v2/x 1+' });
    assert.equal(afterFirst.keyCount, 2);
    // Path style, anonymous: listing a private bucket is refused.
    const anonymous = await rawRequest(f.port, 'GET', `/${BUCKET}?prefix=v2%2F&list-type=2`, { host: SERVICE_DOMAIN });
    assert.equal(anonymous.status, 403);
    const viaSdk = await client.list({ prefix: 'v2/', 'encoding-type': 'url' });
    assert.deepEqual(
      viaSdk.objects.map((o: { name: string }) => decodeURIComponent(o.name)),
      ['v2/x 1+', 'v2/x 2+', 'v2/x 3+'],
    );
  });

  test('deleteMulti removes several objects', async () => {
    await client.put('multi/1', Buffer.from('1'));
    await client.put('multi/2', Buffer.from('2'));
    const result = await client.deleteMulti(['multi/1', 'multi/2'], { quiet: false });
    assert.deepEqual([...result.deleted].map((d: { Key: string }) => d.Key).sort(), ['multi/1', 'multi/2']);
    assert.equal((await client.list({ prefix: 'multi/' })).objects?.length ?? 0, 0);
  });

  test('a key sent with %2F (as oss2 and Go send it, path style) is the same key ali-oss reads', async () => {
    await client.putBucketACL(BUCKET, 'public-read-write');
    try {
      const r = await rawRequest(f.port, 'PUT', `/${BUCKET}/enc%2Fa%20b%2Bc.ts`, { host: SERVICE_DOMAIN }, Buffer.from('encoded'));
      assert.equal(r.status, 200);
    } finally {
      await client.putBucketACL(BUCKET, 'private');
    }
    assert.equal((await client.get('enc/a b+c.ts')).content.toString(), 'encoded');
  });

  test('a UTF-8 x-oss-meta value is stored and returned as the same bytes', async () => {
    const utf8OnTheWire = Buffer.from('José 中文', 'utf8').toString('latin1');
    await client.putBucketACL(BUCKET, 'public-read-write');
    try {
      const host = { host: `${BUCKET}.${SERVICE_DOMAIN}` };
      const put = await rawRequest(f.port, 'PUT', '/meta/utf8.txt', { ...host, 'x-oss-meta-author': utf8OnTheWire }, Buffer.from('x'));
      assert.equal(put.status, 200);
      const got = await rawRequest(f.port, 'GET', '/meta/utf8.txt', host);
      assert.equal(Buffer.from(String(got.headers['x-oss-meta-author']), 'latin1').toString('utf8'), 'José 中文');
    } finally {
      await client.putBucketACL(BUCKET, 'private');
    }
  });

  test('a body over 2 MB is refused for everything but PutObject', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const r = await rawRequest(f.port, 'PUT', '/ch?live', { host: `${BUCKET}.${SERVICE_DOMAIN}` }, big);
    assert.equal(r.status, 400);
    assert.equal(errorCode(r), 'EntityTooLarge');
    const put = await client.put('big.bin', big);
    assert.equal(put.res.status, 200);
  });

  test('keys with ".." segments are refused with InvalidObjectName', async () => {
    const r = await rawRequest(f.port, 'PUT', `/${BUCKET}/a/..%2F..%2Fescape`, { host: `${SERVICE_DOMAIN}` }, Buffer.from('x'));
    // Path-style: the bucket is the first segment; refused before anything is stored.
    assert.equal(r.status, 400);
    assert.equal(errorCode(r), 'InvalidObjectName');
    assert.match(String(r.headers['x-oss-request-id']), /^[0-9A-F]{24}$/);
  });

  test('object and bucket ACLs: anonymous reads follow public-read, writes need public-read-write', async () => {
    await client.put('acl/public.txt', Buffer.from('open'), { headers: { 'x-oss-object-acl': 'public-read' } });
    await client.put('acl/private.txt', Buffer.from('closed'), { headers: { 'x-oss-object-acl': 'private' } });
    assert.equal((await client.getACL('acl/public.txt')).acl, 'public-read');
    const host = { host: `${BUCKET}.${SERVICE_DOMAIN}` };
    assert.equal((await rawRequest(f.port, 'GET', '/acl/public.txt', host)).status, 200);
    await client.putACL('acl/private.txt', 'default');
    const denied = await rawRequest(f.port, 'GET', '/acl/private.txt', host);
    assert.equal(denied.status, 403);
    assert.equal(errorCode(denied), 'AccessDenied');
    const headDenied = await rawRequest(f.port, 'HEAD', '/acl/private.txt', host);
    assert.equal(headDenied.status, 403);
    assert.equal(headDenied.body.length, 0);
    assert.match(Buffer.from(String(headDenied.headers['x-oss-err']), 'base64').toString(), /<Code>AccessDenied<\/Code>/);
    await client.putBucketACL(BUCKET, 'public-read');
    assert.equal((await client.getBucketACL(BUCKET)).acl, 'public-read');
    assert.equal((await rawRequest(f.port, 'GET', '/acl/private.txt', host)).status, 200);
    await client.putACL('acl/private.txt', 'private');
    assert.equal((await rawRequest(f.port, 'GET', '/acl/private.txt', host)).status, 403);
    await client.putACL('acl/private.txt', 'default');
    assert.equal((await rawRequest(f.port, 'GET', '/acl/private.txt', host)).status, 200);
    assert.equal((await rawRequest(f.port, 'PUT', '/acl/anon.txt', host, Buffer.from('x'))).status, 403);
    await client.putBucketACL(BUCKET, 'public-read-write');
    assert.equal((await rawRequest(f.port, 'PUT', '/acl/anon.txt', host, Buffer.from('x'))).status, 200);
    const anonymousManagement = await rawRequest(f.port, 'GET', '/?acl', host);
    assert.equal(anonymousManagement.status, 403);
    await client.putBucketACL(BUCKET, 'private');
  });

  test('bucket info, GetService and DeleteBucket refused while not empty', async () => {
    const info = await client.getBucketInfo(BUCKET);
    assert.equal(info.bucket.Name, BUCKET);
    assert.match(info.bucket.CreationDate, ISO_SECONDS);
    const sld = ossClient(f.port, undefined, { style: 'path' });
    const all = await sld.listBuckets();
    assert.ok(all.buckets.some((b: { name: string }) => b.name === BUCKET));
    await assert.rejects(client.deleteBucket(BUCKET), { status: 409, code: 'BucketNotEmpty' });
    await client.putBucket('empty-bucket');
    assert.equal((await client.deleteBucket('empty-bucket')).res.status, 204);
    await assert.rejects(client.getBucketInfo('empty-bucket'), { status: 404, code: 'NoSuchBucket' });
  });

  test('presigned V1 GET works until Expires, then 403 AccessDenied; a tampered one is SignatureDoesNotMatch', async () => {
    await client.put('signed/playlist.m3u8', Buffer.from('#EXTM3U\n'));
    const hosted = ossClient(f.port, BUCKET, { style: 'virtual-host' });
    const url: string = hosted.signatureUrl('signed/playlist.m3u8', { expires: 60 });
    const ok = await fetchSignedUrl(f.port, url);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.toString(), '#EXTM3U\n');
    const expired: string = hosted.signatureUrl('signed/playlist.m3u8', { expires: -1 });
    const gone = await fetchSignedUrl(f.port, expired);
    assert.equal(gone.status, 403);
    assert.equal(errorCode(gone), 'AccessDenied');
    const tampered = await fetchSignedUrl(f.port, url.replace('playlist.m3u8', 'playlist.m3u9'));
    assert.equal(errorCode(tampered), 'SignatureDoesNotMatch');
  });

  test('presigned V4 GET works', async () => {
    const hosted = ossClient(f.port, BUCKET, { style: 'virtual-host', v4: true });
    const url: string = await hosted.signatureUrlV4('GET', 60, undefined, 'signed/playlist.m3u8');
    const ok = await fetchSignedUrl(f.port, url);
    assert.equal(ok.status, 200, ok.body.toString());
  });
});
