import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AddressingStyle, SERVICE_DOMAIN, ossClient } from '../util/api-client.js';
import { type ApiFixture, TEST_KEY, startApiFixture } from '../util/api-server.js';

const STYLES: AddressingStyle[] = ['ip', 'virtual-host', 'path'];

describe('every addressing style with V1 and V4 signatures', () => {
  let f: ApiFixture;
  before(async () => {
    f = await startApiFixture({ serviceDomains: [SERVICE_DOMAIN] });
  });
  after(() => f.close());

  for (const style of STYLES) {
    for (const v4 of [false, true]) {
      test(`${style}, ${v4 ? 'V4' : 'V1'}: objects and LiveChannel calls authenticate`, async () => {
        const bucket = `sig-${style}-${v4 ? 'v4' : 'v1'}`;
        const client = ossClient(f.port, bucket, { style, v4 });
        assert.equal((await client.putBucket(bucket)).bucket, bucket);
        await client.put('ch/a b+c.ts', Buffer.from('bytes'));
        assert.equal((await client.get('ch/a b+c.ts')).content.toString(), 'bytes');
        assert.equal((await client.head('ch/a b+c.ts')).status, 200);
        assert.deepEqual((await client.list({ prefix: 'ch/' })).objects.map((o: { name: string }) => o.name), ['ch/a b+c.ts']);
        await client.putChannel('live channel 2', { Target: { Type: 'HLS' } });
        assert.equal((await client.getChannel('live channel 2')).data.Status, 'enabled');
        assert.equal((await client.getChannelStatus('live channel 2')).data.Status, 'Idle');
        await client.putChannelStatus('live channel 2', 'disabled');
        assert.deepEqual(((await client.getChannelHistory('live channel 2')).records ?? []), []);
        // ali-oss V4 renders an explicitly empty prefix as `prefix=`; the server accepts that rendering too.
        const listed = await client.listChannels({ prefix: '', 'max-keys': 10 });
        assert.deepEqual(listed.channels.map((c: { Name: string }) => c.Name), ['live channel 2']);
        await client.delete('ch/a b+c.ts');
        assert.equal((await client.deleteChannel('live channel 2')).res.status, 204);
        assert.equal((await client.deleteBucket(bucket)).res.status, 204);
      });
    }
  }

  test('the same bucket is reached by IP (virtual-host Host) and by path style', async () => {
    const ip = ossClient(f.port, 'shared-bucket');
    await ip.putBucket('shared-bucket');
    await ip.put('same.txt', Buffer.from('one object'));
    const path = ossClient(f.port, 'shared-bucket', { style: 'path', v4: true });
    assert.equal((await path.get('same.txt')).content.toString(), 'one object');
  });

  test('a wrong secret is 403 SignatureDoesNotMatch, for V1 and V4', async () => {
    for (const v4 of [false, true]) {
      const wrong = ossClient(f.port, 'shared-bucket', { secret: 'not-the-secret', v4 });
      await assert.rejects(wrong.getBucketInfo('shared-bucket'), { status: 403, code: 'SignatureDoesNotMatch' });
    }
  });

  test('a request 16 minutes old is 403 RequestTimeTooSkewed', async () => {
    const late = ossClient(f.port, 'shared-bucket', { amendTimeSkewed: -16 * 60 * 1000 });
    await assert.rejects(late.get('same.txt'), { status: 403, code: 'RequestTimeTooSkewed' });
    const lateV4 = ossClient(f.port, 'shared-bucket', { amendTimeSkewed: 16 * 60 * 1000, v4: true });
    await assert.rejects(lateV4.get('same.txt'), { status: 403, code: 'RequestTimeTooSkewed' });
  });

  test('a key removed from the provider stops working at once', async () => {
    f.keys.set('temporary', 'temporary-secret');
    const temp = ossClient(f.port, 'shared-bucket', { accessKeyId: 'temporary', secret: 'temporary-secret' });
    assert.equal((await temp.get('same.txt')).res.status, 200);
    f.keys.delete('temporary');
    await assert.rejects(temp.get('same.txt'), { status: 403, code: 'InvalidAccessKeyId' });
    assert.ok(f.keys.has(TEST_KEY.id));
  });

  test('HEAD errors carry x-oss-err so ali-oss reports the real code', async () => {
    const wrong = ossClient(f.port, 'shared-bucket', { secret: 'not-the-secret' });
    await assert.rejects(wrong.head('same.txt'), { status: 403, code: 'SignatureDoesNotMatch' });
  });
});
