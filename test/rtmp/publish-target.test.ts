import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolvePublishTarget } from '../../engine/rtmp/publish-target.js';

const options = { defaultBucket: 'dflt', serviceDomains: ['oss.example.com'] };

describe('publish target', () => {
  it('virtual-hosted: bucket from the tcUrl host under a service domain', () => {
    const t = resolvePublishTarget('live', 'rtmp://mybucket.oss.example.com:1935/live', 'ch1?playlistName=a.m3u8', options);
    assert.deepEqual(t, { bucket: 'mybucket', channel: 'ch1', params: { playlistName: 'a.m3u8' } });
    const aliyun = resolvePublishTarget('live', 'rtmp://b-1.oss-cn-hangzhou.aliyuncs.com/live', 'ch', options);
    assert.equal('bucket' in aliyun && aliyun.bucket, 'b-1');
  });

  it('path style: `{bucket}/live` app, however the client split the path', () => {
    const ffmpeg = resolvePublishTarget('mybucket/live', 'rtmp://127.0.0.1:1935/mybucket/live', 'ch1', options);
    assert.deepEqual(ffmpeg, { bucket: 'mybucket', channel: 'ch1', params: {} });
    const other = resolvePublishTarget('mybucket', 'rtmp://127.0.0.1:1935/mybucket', 'live/ch1', options);
    assert.deepEqual(other, ffmpeg);
  });

  it('a host that is no virtual host (IP, unknown domain) falls back to the default bucket', () => {
    for (const tcUrl of ['rtmp://127.0.0.1:1935/live', 'rtmp://media.other.org/live', '']) {
      const t = resolvePublishTarget('live', tcUrl, 'ch1', options);
      assert.deepEqual(t, { bucket: 'dflt', channel: 'ch1', params: {} }, tcUrl);
    }
    const none = resolvePublishTarget('live', 'rtmp://127.0.0.1/live', 'ch1', {});
    assert.equal('bucket' in none && none.bucket, undefined);
  });

  it('percent-decodes the channel and the query; params come from the app/tcUrl when the name has none', () => {
    const signed = resolvePublishTarget(
      'live',
      'rtmp://127.0.0.1/live',
      'live%20channel%202?OSSAccessKeyId=id&Expires=1700000000&Signature=ab%2Bc%2F%3D&playlistName=my+list.m3u8',
      options,
    );
    assert.deepEqual(signed, {
      bucket: 'dflt',
      channel: 'live channel 2',
      params: { OSSAccessKeyId: 'id', Expires: '1700000000', Signature: 'ab+c/=', playlistName: 'my list.m3u8' },
    });
    const inApp = resolvePublishTarget('live?Expires=5', 'rtmp://127.0.0.1/live?Expires=5', 'ch1', options);
    assert.deepEqual('params' in inApp && { ...inApp.params }, { Expires: '5' });
  });

  it('explains URLs that name no channel of a `live` application', () => {
    for (const [app, name] of [['app', 'ch1'], ['live', ''], ['a/b/live', 'ch1'], ['', 'ch1']] as const) {
      const t = resolvePublishTarget(app, '', name, options);
      assert.ok('error' in t, `${app} ${name}`);
      assert.ok(t.error.length > 10);
    }
  });
});
