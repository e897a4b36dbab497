import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type OSS from 'ali-oss';
import { fetchSignedUrl, ossClient, rawRequest, type RawResponse } from '../util/api-client.js';
import { ossErrorCode } from '../util/fault-http.js';
import { FAULT_KEY, startFaultServer, type FaultServer } from '../util/fault-server.js';

/**
 * Operations x bucket/object ACLs x signature kinds against the real server: nothing is written without
 * a valid signature unless the ACL allows it, and a bad signature is refused whatever the ACL.
 */
type Acl = 'private' | 'public-read' | 'public-read-write';
type Op = 'put' | 'get' | 'delete' | 'list' | 'put-channel';
type Kind =
  | 'none'
  | 'v1-header'
  | 'v4-header'
  | 'v1-presigned'
  | 'v4-presigned'
  | 'v1-header-wrong-secret'
  | 'v4-header-wrong-secret'
  | 'unknown-key'
  | 'v1-presigned-tampered'
  | 'v4-presigned-tampered'
  | 'v1-presigned-expired';

const ACLS: readonly Acl[] = ['private', 'public-read', 'public-read-write'];
const OPS: readonly Op[] = ['put', 'get', 'delete', 'list', 'put-channel'];
const KINDS: readonly Kind[] = [
  'none', 'v1-header', 'v4-header', 'v1-presigned', 'v4-presigned', 'v1-header-wrong-secret', 'v4-header-wrong-secret', 'unknown-key',
  'v1-presigned-tampered', 'v4-presigned-tampered', 'v1-presigned-expired',
];
const VALID: ReadonlySet<Kind> = new Set(['v1-header', 'v4-header', 'v1-presigned', 'v4-presigned']);
const PRESIGNED = (k: Kind): boolean => k.includes('presigned');
const OBJECT_OPS: ReadonlySet<Op> = new Set(['put', 'get', 'delete']);

let server: FaultServer;
const bucketOf = (acl: Acl): string => `acl-${acl}`;

before(async () => {
  server = await startFaultServer({ channels: [] });
  for (const acl of ACLS) {
    const root = server.oss();
    await root.putBucket(bucketOf(acl));
    await root.putBucketACL(bucketOf(acl), acl);
  }
});

after(async () => {
  await server?.close();
});

const port = (): number => server.process.httpPort;

function client(bucket: string, options: { v4?: boolean; secret?: string; id?: string; style?: 'ip' | 'path' } = {}): OSS {
  return ossClient(port(), bucket, {
    style: options.style ?? 'ip',
    v4: options.v4 ?? false,
    accessKeyId: options.id ?? FAULT_KEY.id,
    secret: options.secret ?? FAULT_KEY.secret,
    timeout: 10_000,
  });
}

const LIVE_XML = '<LiveChannelConfiguration><Status>enabled</Status><Target><Type>HLS</Type></Target></LiveChannelConfiguration>';

/** Sends one operation with one signature kind; resolves with the HTTP status and OSS error code. */
async function attempt(op: Op, kind: Kind, bucket: string, key: string): Promise<{ status: number; code: string | undefined }> {
  const body = Buffer.from(`body of ${key}`);
  const method = op === 'put' || op === 'put-channel' ? 'PUT' : op === 'delete' ? 'DELETE' : 'GET';
  if (kind === 'none') {
    const path = op === 'list' ? `/${bucket}/` : op === 'put-channel' ? `/${bucket}/${key}?live` : `/${bucket}/${key}`;
    const r = await rawRequest(port(), method, path, {}, method === 'PUT' ? (op === 'put-channel' ? Buffer.from(LIVE_XML) : body) : undefined);
    return { status: r.status, code: ossErrorCode(r.body) };
  }
  if (PRESIGNED(kind)) {
    const v4 = kind.startsWith('v4');
    const c = client(bucket, { v4, style: 'path' });
    let url: string = v4
      ? await c.signatureUrlV4(method, 60, undefined, key)
      : c.signatureUrl(key, { method, expires: kind === 'v1-presigned-expired' ? -1 : 60 });
    if (kind.endsWith('tampered')) url = url.replace(/(Signature=|x-oss-signature=)(.)/, (_m, p: string, c0: string) => `${p}${c0 === 'A' ? 'B' : 'A'}`);
    const r: RawResponse = await fetchSignedUrlWithBody(url, method, method === 'PUT' ? body : undefined);
    return { status: r.status, code: ossErrorCode(r.body) };
  }
  const c = client(bucket, {
    v4: kind.startsWith('v4'),
    secret: kind.endsWith('wrong-secret') ? 'not-the-secret' : undefined,
    id: kind === 'unknown-key' ? 'LTAInobody' : undefined,
  });
  try {
    const res =
      op === 'put'
        ? await c.put(key, body)
        : op === 'get'
          ? await c.get(key)
          : op === 'delete'
            ? await c.delete(key)
            : op === 'list'
              ? await c.list({ 'max-keys': 10 }, {})
              : await c.putChannel(key, { Description: '', Status: 'enabled', Target: { Type: 'HLS', FragDuration: 2, FragCount: 3, PlaylistName: 'playlist.m3u8' } });
    return { status: (res as { res: { status: number } }).res.status, code: undefined };
  } catch (error) {
    const e = error as { status?: number; code?: string };
    return { status: e.status ?? 0, code: e.code };
  }
}

async function fetchSignedUrlWithBody(url: string, method: string, body: Buffer | undefined): Promise<RawResponse> {
  if (!body) return fetchSignedUrl(port(), url, method);
  const u = new URL(url);
  return rawRequest(port(), method, u.pathname + u.search, { host: u.host }, body);
}

/** What OSS allows: a valid signature always (root key); no signature per ACL; a bad signature never. */
function allowed(op: Op, kind: Kind, bucketAcl: Acl, objectAcl: Acl | 'default'): boolean | undefined {
  if (VALID.has(kind)) return true;
  if (kind !== 'none') return false;
  const effective = objectAcl === 'default' ? bucketAcl : objectAcl;
  if (op === 'get') return effective !== 'private';
  if (op === 'list') return bucketAcl !== 'private';
  if (op === 'put' || op === 'delete') return bucketAcl === 'public-read-write';
  // PutLiveChannel without a signature: OSS documents no ACL rule for it; only refusal is asserted.
  return bucketAcl === 'public-read-write' ? undefined : false;
}

let cases = 0;

test('operations x bucket ACLs x signature kinds', async () => {
  const root = server.oss();
  const failures: string[] = [];
  for (const acl of ACLS) {
    const bucket = bucketOf(acl);
    root.useBucket(bucket);
    for (const op of OPS) {
      for (const kind of KINDS) {
        if (PRESIGNED(kind) && !OBJECT_OPS.has(op)) continue;
        const key = op === 'put-channel' ? `ch-${kind}` : op === 'get' ? 'existing.txt' : `${op}-${kind}.txt`;
        if (op === 'get') await root.put(key, Buffer.from('existing'));
        if (op === 'delete') await root.put(key, Buffer.from('to delete'));
        const expect = allowed(op, kind, acl, 'default');
        const r = await attempt(op, kind, bucket, key);
        cases++;
        const ok = r.status >= 200 && r.status < 300;
        if (expect !== undefined && ok !== expect) failures.push(`${acl} ${op} ${kind}: HTTP ${r.status} ${r.code ?? ''}, expected ${expect ? 'success' : 'refusal'}`);
        if (!ok && r.status !== 403) failures.push(`${acl} ${op} ${kind}: refused with HTTP ${r.status} ${r.code ?? ''}, not 403`);
        // What a refused write left behind: nothing.
        if (!ok && op === 'put') {
          const exists = await root.head(key).then(() => true, () => false);
          if (exists) failures.push(`${acl} put ${kind}: refused yet the object exists`);
        }
        if (!ok && op === 'delete') {
          const exists = await root.head(key).then(() => true, () => false);
          if (!exists) failures.push(`${acl} delete ${kind}: refused yet the object is gone`);
        }
      }
    }
  }
  assert.deepEqual(failures, []);
  console.log(`# auth matrix: ${cases} cases`);
});

test('object ACLs override the bucket ACL for anonymous reads', async () => {
  const root = server.oss();
  root.useBucket(bucketOf('private'));
  await root.put('public-object.txt', Buffer.from('p'), { headers: { 'x-oss-object-acl': 'public-read' } });
  assert.equal((await attempt('get', 'none', bucketOf('private'), 'public-object.txt')).status, 200);
  root.useBucket(bucketOf('public-read'));
  await root.put('private-object.txt', Buffer.from('p'), { headers: { 'x-oss-object-acl': 'private' } });
  assert.equal((await attempt('get', 'none', bucketOf('public-read'), 'private-object.txt')).status, 403);
  root.useBucket(bucketOf('public-read-write'));
  await root.put('private-object.txt', Buffer.from('p'), { headers: { 'x-oss-object-acl': 'private' } });
  assert.equal((await attempt('get', 'none', bucketOf('public-read-write'), 'private-object.txt')).status, 403);
});

test('a presigned URL replayed after it expired is refused (V1 and V4)', async () => {
  const bucket = bucketOf('private');
  const root = server.oss();
  root.useBucket(bucket);
  await root.put('replay.txt', Buffer.from('r'));
  const v1 = client(bucket, { style: 'path' }).signatureUrl('replay.txt', { expires: 2 });
  const v4: string = await client(bucket, { style: 'path', v4: true }).signatureUrlV4('GET', 1, undefined, 'replay.txt');
  assert.equal((await fetchSignedUrl(port(), v1)).status, 200);
  assert.equal((await fetchSignedUrl(port(), v4)).status, 200);
  await sleep(3100);
  const late1 = await fetchSignedUrl(port(), v1);
  const late4 = await fetchSignedUrl(port(), v4);
  assert.equal(late1.status, 403);
  assert.equal(late4.status, 403);
  assert.equal(ossErrorCode(late1.body), 'AccessDenied');
  assert.equal(ossErrorCode(late4.body), 'AccessDenied');
});

test('a key removed from keys.json stops working without a restart', async () => {
  const extra = { id: 'LTAIextrakey', secret: 'extra-secret-0123456789' };
  const file = join(server.dir, 'keys.json');
  writeFileSync(file, JSON.stringify([extra]));
  await sleep(1100);
  const c = client(bucketOf('private'), { id: extra.id, secret: extra.secret });
  assert.equal((await c.put('by-extra.txt', Buffer.from('x'))).res.status, 200);
  writeFileSync(file, '[]');
  await sleep(1100);
  await assert.rejects(c.put('by-extra-2.txt', Buffer.from('x')), { status: 403, code: 'InvalidAccessKeyId' });
  await assert.rejects(client(bucketOf('private'), { id: extra.id, secret: extra.secret, v4: true }).get('by-extra.txt'), { status: 403 });
  // The root key is unaffected, and the file's removal altogether also revokes.
  writeFileSync(file, JSON.stringify([extra]));
  await sleep(1100);
  assert.equal((await c.get('by-extra.txt')).res.status, 200);
  writeFileSync(file, 'not json');
  await sleep(1100);
  await assert.rejects(c.get('by-extra.txt'), { status: 403 });
  assert.equal((await server.oss().getBucketInfo(bucketOf('private'))).res.status, 200);
});
