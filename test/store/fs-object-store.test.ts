import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { FsObjectStore } from '../../engine/store/fs-object-store.js';
import { filesUnder, indexedFiles } from '../util/object-files.js';

describe('FsObjectStore', () => {
  let dir: string;
  let store: FsObjectStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-objects-'));
    store = FsObjectStore.open(dir);
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

  it('removes, when reopened, the files a crash left loose (a write cut short, a version not yet unlinked)', async () => {
    const leftOver = join('buckets', 'b1', 'zz', 'zz', 'left-over.0123456789ab');
    mkdirSync(join(dir, 'buckets', 'b1', 'zz', 'zz'), { recursive: true });
    writeFileSync(join(dir, leftOver), 'partial');
    const index = new Database(join(dir, 'index.db'));
    index.prepare('INSERT INTO loose_files (file) VALUES (?)').run(leftOver);
    index.close();
    const reopened = FsObjectStore.open(dir);
    assert.deepEqual(reopened.looseFiles(), []);
    assert.equal(existsSync(join(dir, leftOver)), false);
    assert.equal((await reopened.readAll('b1', 'k'))?.body.toString(), 'two');
    await reopened.close();
  });
});
