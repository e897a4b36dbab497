import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { FsObjectStore } from '../../engine/store/fs-object-store.js';
import { filesUnder, indexedFiles } from '../util/object-files.js';

describe('FsObjectStore, every body in a file', () => {
  let dir: string;
  let store: FsObjectStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-objects-'));
    store = FsObjectStore.open(dir, { inlineMaxBytes: 0 });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores bytes with an upper-case MD5 ETag and reads them back whole and by range', async () => {
    const info = await store.put('b1', 'ch/1.ts', [Buffer.from('hello '), Buffer.from('world')], { contentType: 'video/MP2T' });
    assert.equal(info.size, 11);
    assert.equal(info.etag, '5EB63BBBE01EEED093CB22BB8F5ACDC3');
    const whole = await store.readAll('b1', 'ch/1.ts');
    assert.equal(whole?.body.toString(), 'hello world');
    assert.equal(whole?.info.contentType, 'video/MP2T');
    const part = await store.read('b1', 'ch/1.ts', [6, 10]);
    assert.equal(await text(part!.body), 'world');
  });

  it('computes a deferred ETag when the object is first looked at, whichever way', async () => {
    const hello = '5EB63BBBE01EEED093CB22BB8F5ACDC3';
    const put = async (key: string): Promise<void> => {
      const info = await store.put('b3', key, Buffer.from('hello world'), { contentType: 'video/MP2T', deferEtag: true });
      assert.equal(info.etag, '');
    };
    await put('ch/head.ts');
    assert.equal((await store.head('b3', 'ch/head.ts'))?.etag, hello);
    await put('ch/read.ts');
    const read = await store.read('b3', 'ch/read.ts');
    assert.equal(read?.info.etag, hello);
    assert.equal(await text(read!.body), 'hello world');
    await put('ch/whole.ts');
    assert.equal((await store.readAll('b3', 'ch/whole.ts'))?.info.etag, hello);
    await put('ch/listed.ts');
    const [first, second] = await Promise.all([store.head('b3', 'ch/listed.ts'), store.list('b3', { prefix: 'ch/', limit: 10 })]);
    assert.equal(first?.etag, hello);
    assert.deepEqual(second.map((o) => o.etag), [hello, hello, hello, hello]);
    // Computed once and kept: a replaced object gets its own.
    await store.put('b3', 'ch/head.ts', Buffer.from('two'), { contentType: 'video/MP2T', deferEtag: true });
    assert.equal((await store.head('b3', 'ch/head.ts'))?.etag, 'B8A9F715DBB64FD5C56E7783C6820A61');
  });

  it('replaces an object atomically and keeps buckets apart', async () => {
    await store.put('b1', 'k', Buffer.from('one'), { contentType: 'text/plain', userMeta: { a: '1' } });
    await store.put('b1', 'k', Buffer.from('two'), { contentType: 'text/plain' });
    await store.put('b2', 'k', Buffer.from('other'), { contentType: 'text/plain' });
    assert.equal((await store.readAll('b1', 'k'))?.body.toString(), 'two');
    assert.deepEqual((await store.head('b1', 'k'))?.userMeta, {});
    assert.equal((await store.readAll('b2', 'k'))?.body.toString(), 'other');
  });

  it('lists keys in byte order under a prefix, after a marker', async () => {
    for (const key of ['p/b', 'p/a', 'p/é', 'p/c d+e', 'q/a', 'p']) {
      await store.put('b3', key, Buffer.from(key), { contentType: 'text/plain' });
    }
    const keys = (await store.list('b3', { prefix: 'p/', limit: 100 })).map((o) => o.key);
    assert.deepEqual(keys, ['p/a', 'p/b', 'p/c d+e', 'p/é']);
    const page = (await store.list('b3', { prefix: 'p/', after: 'p/b', limit: 1 })).map((o) => o.key);
    assert.deepEqual(page, ['p/c d+e']);
  });

  it('deletes, reporting whether anything was there', async () => {
    await store.put('b4', 'x', Buffer.from('x'), { contentType: 'text/plain' });
    assert.equal(await store.hasObjects('b4'), true);
    assert.equal(await store.delete('b4', 'x'), true);
    assert.equal(await store.delete('b4', 'x'), false);
    assert.equal(await store.head('b4', 'x'), undefined);
    assert.equal(await store.hasObjects('b4'), false);
  });

  it('keeps no file that the index does not name: replaced and deleted versions are unlinked', async () => {
    await store.put('b5', 'v', Buffer.from('1'), { contentType: 'text/plain' });
    await store.put('b5', 'v', Buffer.from('2'), { contentType: 'text/plain' });
    await store.put('b5', 'gone', Buffer.from('3'), { contentType: 'text/plain' });
    await store.delete('b5', 'gone');
    const indexed = indexedFiles(dir).objects.filter((f) => f.startsWith(join('buckets', 'b5')));
    assert.deepEqual(filesUnder(dir, join('buckets', 'b5')), indexed.sort());
    assert.equal(indexed.length, 1);
    assert.deepEqual(store.looseFiles(), []);
  });

  it('writes an object in parts, invisible until committed, under the key given at commit', async () => {
    const writer = store.createWriter('w1', 'ch/100.ts');
    await writer.write(Buffer.from('hello '));
    await writer.write(Buffer.from('world'));
    assert.equal(writer.size, 11);
    assert.equal(await store.head('w1', 'ch/100.ts'), undefined);
    assert.deepEqual((await store.list('w1', { limit: 10 })).map((o) => o.key), []);
    const info = await writer.commit({ contentType: 'video/MP2T', deferEtag: true }, 'ch/101.ts');
    assert.equal(info.size, 11);
    assert.equal(await store.head('w1', 'ch/100.ts'), undefined);
    const stored = await store.readAll('w1', 'ch/101.ts');
    assert.equal(stored?.body.toString(), 'hello world');
    assert.equal(stored?.info.etag, '5EB63BBBE01EEED093CB22BB8F5ACDC3');
    await assert.rejects(writer.write(Buffer.from('late')), /already committed/);
  });

  it('replaces an object by a committed writer and drops an aborted one, leaving no file behind', async () => {
    await store.put('w2', 'k', Buffer.from('old'), { contentType: 'text/plain' });
    const replacing = store.createWriter('w2', 'k');
    await replacing.write(Buffer.from('new'));
    const aborted = store.createWriter('w2', 'k');
    await aborted.write(Buffer.from('never'));
    await aborted.abort();
    assert.equal((await replacing.commit({ contentType: 'text/plain' })).etag, '22AF645D1859CB5CA6DA0C484F1F37EA');
    assert.equal((await store.readAll('w2', 'k'))?.body.toString(), 'new');
    const empty = store.createWriter('w2', 'empty');
    await empty.commit({ contentType: 'text/plain' });
    assert.equal((await store.readAll('w2', 'empty'))?.body.length, 0);
    assert.deepEqual(filesUnder(dir, join('buckets', 'w2')), indexedFiles(dir).objects.filter((f) => f.startsWith(join('buckets', 'w2'))).sort());
    assert.deepEqual(store.looseFiles(), []);
  });

  it('removes, when reopened, what an uncommitted writer wrote', async () => {
    const writer = store.createWriter('w3', 'ch/1.ts');
    await writer.write(Buffer.from('cut short by a crash'));
    assert.equal(filesUnder(dir, join('buckets', 'w3')).length, 1);
    const reopened = FsObjectStore.open(dir, { inlineMaxBytes: 0 });
    assert.deepEqual(filesUnder(dir, join('buckets', 'w3')), []);
    assert.deepEqual(reopened.looseFiles(), []);
    await reopened.close();
    await writer.abort();
  });

  it('records writers\' file names ahead, many per transaction; the unused ones leave nothing after a reopen', async () => {
    for (let i = 0; i < 40; i++) {
      const writer = store.createWriter('w4', `ch/${i}.ts`);
      await writer.write(Buffer.from(`segment ${i}`));
      await writer.commit({ contentType: 'video/MP2T', deferEtag: true });
    }
    const recorded = indexedFiles(dir).loose.filter((f) => f.startsWith(join('buckets', 'w4')));
    assert.ok(recorded.length > 0 && recorded.length < 32, `${recorded.length} names reserved ahead`);
    assert.ok(recorded.every((f) => !existsSync(join(dir, f))), 'a reserved name has a file before any writer got it');
    assert.deepEqual(store.looseFiles(), []);
    const reopened = FsObjectStore.open(dir, { inlineMaxBytes: 0 });
    assert.deepEqual(indexedFiles(dir).loose, []);
    assert.equal((await reopened.readAll('w4', 'ch/39.ts'))?.body.toString(), 'segment 39');
    await reopened.close();
  });

  it('removes, when reopened, the files a crash left loose (a write cut short, a version not yet unlinked)', async () => {
    const leftOver = join('buckets', 'b1', 'zz', 'zz', 'left-over.0123456789ab');
    mkdirSync(join(dir, 'buckets', 'b1', 'zz', 'zz'), { recursive: true });
    writeFileSync(join(dir, leftOver), 'partial');
    const index = new Database(join(dir, 'index.db'));
    index.prepare('INSERT INTO loose_files (file) VALUES (?)').run(leftOver);
    index.close();
    const reopened = FsObjectStore.open(dir, { inlineMaxBytes: 0 });
    assert.deepEqual(reopened.looseFiles(), []);
    assert.equal(existsSync(join(dir, leftOver)), false);
    assert.equal((await reopened.readAll('b1', 'k'))?.body.toString(), 'two');
    await reopened.close();
  });
});

describe('FsObjectStore, small bodies inline', () => {
  let dir: string;
  let store: FsObjectStore;
  const INLINE_MAX = 64;
  const big = Buffer.alloc(INLINE_MAX + 1, 7);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-objects-inline-'));
    store = FsObjectStore.open(dir, { inlineMaxBytes: INLINE_MAX });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const bucketFiles = (bucket: string): string[] =>
    existsSync(join(dir, 'buckets', bucket)) ? filesUnder(dir, join('buckets', bucket)) : [];

  it('keeps a small body in the index: no file, same bytes, ranges and ETag, even when the ETag was to be deferred', async () => {
    const info = await store.put('i1', 'ch/live.m3u8', [Buffer.from('hello '), Buffer.from('world')], {
      contentType: 'application/x-mpegURL',
      deferEtag: true,
    });
    assert.equal(info.etag, '5EB63BBBE01EEED093CB22BB8F5ACDC3');
    assert.deepEqual(bucketFiles('i1'), []);
    assert.equal((await store.readAll('i1', 'ch/live.m3u8'))?.body.toString(), 'hello world');
    assert.equal(await text((await store.read('i1', 'ch/live.m3u8'))!.body), 'hello world');
    assert.equal(await text((await store.read('i1', 'ch/live.m3u8', [6, 10]))!.body), 'world');
    assert.equal((await store.head('i1', 'ch/live.m3u8'))?.size, 11);
    assert.deepEqual((await store.list('i1', { prefix: 'ch/', limit: 10 })).map((o) => [o.key, o.etag]), [
      ['ch/live.m3u8', '5EB63BBBE01EEED093CB22BB8F5ACDC3'],
    ]);
  });

  it('moves an object between inline and file as its size crosses the bound, leaving no file behind', async () => {
    await store.put('i2', 'k', Buffer.from('small'), { contentType: 'text/plain' });
    await store.put('i2', 'k', big, { contentType: 'text/plain' });
    assert.equal(bucketFiles('i2').length, 1);
    assert.deepEqual((await store.readAll('i2', 'k'))?.body, big);
    await store.put('i2', 'k', Buffer.from('small again'), { contentType: 'text/plain' });
    assert.deepEqual(bucketFiles('i2'), []);
    assert.equal((await store.readAll('i2', 'k'))?.body.toString(), 'small again');
    assert.deepEqual(store.looseFiles(), []);
  });

  it('deletes an inline object, and a reopened store still reads the rest', async () => {
    await store.put('i3', 'gone', Buffer.from('x'), { contentType: 'text/plain' });
    await store.put('i3', 'kept', Buffer.from('y'), { contentType: 'text/plain' });
    assert.equal(await store.delete('i3', 'gone'), true);
    assert.equal(await store.delete('i3', 'gone'), false);
    assert.equal(await store.head('i3', 'gone'), undefined);
    const reopened = FsObjectStore.open(dir, { inlineMaxBytes: INLINE_MAX });
    assert.equal((await reopened.readAll('i3', 'kept'))?.body.toString(), 'y');
    await reopened.close();
  });

  it('opens an index written before bodies went inline, and inlines what is put next', async () => {
    const legacyDir = mkdtempSync(join(tmpdir(), 'lb-objects-legacy-'));
    try {
      mkdirSync(join(legacyDir, 'buckets', 'l', 'aa'), { recursive: true });
      writeFileSync(join(legacyDir, 'buckets', 'l', 'aa', 'old.0'), 'old body');
      const index = new Database(join(legacyDir, 'index.db'));
      index.exec(`CREATE TABLE objects (
        bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
        last_modified INTEGER NOT NULL, content_type TEXT NOT NULL, acl TEXT NOT NULL,
        user_meta TEXT NOT NULL, headers TEXT NOT NULL, file TEXT NOT NULL, PRIMARY KEY (bucket, key)) WITHOUT ROWID`);
      index
        .prepare("INSERT INTO objects VALUES ('l', 'old', 8, 'E', 0, 'text/plain', 'default', '{}', '{}', ?)")
        .run(join('buckets', 'l', 'aa', 'old.0'));
      index.close();
      const legacy = FsObjectStore.open(legacyDir, { inlineMaxBytes: INLINE_MAX });
      assert.equal((await legacy.readAll('l', 'old'))?.body.toString(), 'old body');
      await legacy.put('l', 'old', Buffer.from('new body'), { contentType: 'text/plain' });
      assert.equal((await legacy.readAll('l', 'old'))?.body.toString(), 'new body');
      assert.deepEqual(filesUnder(legacyDir, 'buckets'), []);
      await legacy.close();
    } finally {
      rmSync(legacyDir, { recursive: true, force: true });
    }
  });
});
