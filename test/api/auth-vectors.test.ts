import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticate } from '../../server/api/auth/authenticate.js';
import type { KeyProvider } from '../../server/api/auth/keys.js';
import type { AuthRequest } from '../../server/api/auth/request.js';
import { rtmpStringToSign, signRtmp } from '../../server/api/auth/rtmp-signature.js';
import { signV1 } from '../../server/api/auth/v1.js';
import { parseQuery } from '../../server/api/query.js';

// The signature test vectors of the compatibility spec, section 2.6 (secret `sk`, AccessKeyId `ak`).
const keys: KeyProvider = (id) => (id === 'ak' ? 'sk' : id === 'sts' ? { secret: 'sk', securityToken: 'token' } : undefined);

function request(partial: Partial<AuthRequest> & Pick<AuthRequest, 'method' | 'headers' | 'now'>, rawQuery = ''): AuthRequest {
  return { bucket: 'examplebucket', key: 'nelson', query: parseQuery(rawQuery), ...partial };
}

const v1Headers = {
  'content-md5': 'eB5eJF1ptWaXm4bijSPyxw==',
  'content-type': 'text/html',
  'x-oss-date': 'Wed, 28 Dec 2022 10:27:41 GMT',
  'x-oss-meta-author': 'alice',
  'x-oss-meta-magic': 'abracadabra',
  date: 'Wed, 28 Dec 2022 10:27:41 GMT',
};
const v1Now = Date.parse('Wed, 28 Dec 2022 10:30:00 GMT');

test('V1 header vectors verify, with and without ?acl', () => {
  const plain = request({ method: 'PUT', now: v1Now, headers: { ...v1Headers, authorization: 'OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=' } });
  assert.deepEqual(authenticate(plain, keys), { ok: true, accessKeyId: 'ak' });
  const acl = request({ method: 'PUT', now: v1Now, headers: { ...v1Headers, authorization: 'OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=' } }, 'acl');
  assert.deepEqual(authenticate(acl, keys), { ok: true, accessKeyId: 'ak' });
});

test('V1 header: a changed signature, unknown key and a 16-minute-old date are refused with the OSS codes', () => {
  const codeOf = (r: ReturnType<typeof authenticate>): string => (r.ok ? 'ok' : `${r.error.status} ${r.error.code}`);
  const bad = request({ method: 'PUT', now: v1Now, headers: { ...v1Headers, authorization: 'OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7N=' } });
  assert.equal(codeOf(authenticate(bad, keys)), '403 SignatureDoesNotMatch');
  const unknown = request({ method: 'PUT', now: v1Now, headers: { ...v1Headers, authorization: 'OSS nobody:kSHKmLxlyEAKtZPkJhG9bZb5k7M=' } });
  assert.equal(codeOf(authenticate(unknown, keys)), '403 InvalidAccessKeyId');
  const late = Date.parse('Wed, 28 Dec 2022 10:43:42 GMT');
  const skewed = request({ method: 'PUT', now: late, headers: { ...v1Headers, authorization: 'OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=' } });
  assert.equal(codeOf(authenticate(skewed, keys)), '403 RequestTimeTooSkewed');
  const malformed = request({ method: 'PUT', now: v1Now, headers: { ...v1Headers, authorization: 'OSS nocolon' } });
  assert.equal(codeOf(authenticate(malformed, keys)), '400 InvalidArgument');
});

test('V1 presigned vectors verify (plain and with an STS token), and fail once expired', () => {
  const plain = request(
    { method: 'GET', bucket: 'bucket', key: 'key', headers: {}, now: 1699807000_000 },
    'versionId=versionId&OSSAccessKeyId=ak&Expires=1699807420&Signature=' + encodeURIComponent('dcLTea+Yh9ApirQ8o8dOPqtvJXQ='),
  );
  assert.deepEqual(authenticate(plain, keys), { ok: true, accessKeyId: 'ak' });
  const sts = request(
    { method: 'GET', bucket: 'bucket', key: 'key+123', headers: {}, now: 1699808000_000 },
    'versionId=versionId&security-token=token&OSSAccessKeyId=sts&Expires=1699808204&Signature=' +
      encodeURIComponent('jzKYRrM5y6Br0dRFPaTGOsbrDhY='),
  );
  assert.deepEqual(authenticate(sts, keys), { ok: true, accessKeyId: 'sts' });
  const expired = authenticate({ ...plain, now: 1699807421_000 }, keys);
  assert.ok(!expired.ok && expired.error.code === 'AccessDenied' && expired.error.status === 403);
});

const v4Query = 'param1=value1&%2Bparam1=value3&%7Cparam1=value4&%2Bparam2&%7Cparam2&param2';

test('V4 header vector verifies', () => {
  const r = request(
    {
      method: 'PUT',
      bucket: 'bucket',
      key: '1234+-/123/1.txt',
      now: Date.UTC(2023, 11, 16, 16, 21, 0),
      headers: {
        'content-type': 'text/plain',
        'x-oss-content-sha256': 'UNSIGNED-PAYLOAD',
        'x-oss-date': '20231216T162057Z',
        'x-oss-head1': 'value',
        abc: 'value',
        zabc: 'value',
        xyz: 'value',
        authorization:
          'OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe',
      },
    },
    v4Query,
  );
  assert.deepEqual(authenticate(r, keys), { ok: true, accessKeyId: 'ak' });
});

test('V4 presigned vector verifies until x-oss-date + x-oss-expires', () => {
  const query =
    v4Query +
    '&x-oss-credential=' +
    encodeURIComponent('ak/20231217/cn-hangzhou/oss/aliyun_v4_request') +
    '&x-oss-date=20231217T025437Z&x-oss-expires=599&x-oss-signature-version=OSS4-HMAC-SHA256' +
    '&x-oss-signature=a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe';
  const signedAt = Date.UTC(2023, 11, 17, 2, 54, 37);
  const r = request(
    {
      method: 'PUT',
      bucket: 'bucket',
      key: '1234+-/123/1.txt',
      now: signedAt + 10_000,
      headers: { 'content-type': 'application/octet-stream', 'x-oss-head1': 'value' },
    },
    query,
  );
  assert.deepEqual(authenticate(r, keys), { ok: true, accessKeyId: 'ak' });
  const late = authenticate({ ...r, now: signedAt + 600_000 }, keys);
  assert.ok(!late.ok && late.error.code === 'AccessDenied');
});

test('RTMP publish URL vectors', () => {
  assert.equal(
    signRtmp('sk', rtmpStringToSign('1700000000', { playlistName: 'playlist.m3u8' }, 'examplebucket', 'test-channel')),
    'cAHUdVBQABVO77Y+6lhBJxUKmrk=',
  );
  assert.equal(signRtmp('sk', rtmpStringToSign('1700000000', {}, 'examplebucket', 'test-channel')), 'U1lSsUNzmdhoE8+dzfwKzw37wF0=');
});

test('V1: a UTF-8 header value (as oss2 and Go send x-oss-meta-*) is signed over its UTF-8 bytes', () => {
  const date = 'Wed, 28 Dec 2022 10:27:41 GMT';
  const stringToSign = `PUT\n\n\n${date}\nx-oss-meta-author:José 中文\n/examplebucket/nelson`;
  const signature = signV1('sk', stringToSign);
  // Node hands header bytes over one char per byte (latin1).
  const onTheWire = Buffer.from('José 中文', 'utf8').toString('latin1');
  const r = request({ method: 'PUT', now: v1Now, headers: { date, 'x-oss-meta-author': onTheWire, authorization: `OSS ak:${signature}` } });
  assert.deepEqual(authenticate(r, keys), { ok: true, accessKeyId: 'ak' });
});
