import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, rename, rm, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ListOptions, ObjectAcl, ObjectInfo, ObjectStore, PutOptions } from './object-store.js';
import { etagOf, md5Etag } from './etag.js';
import { openSqlite, type SqliteDatabase } from './sqlite.js';

interface ObjectRow {
  key: string;
  size: number;
  etag: string;
  last_modified: number;
  content_type: string;
  acl: ObjectAcl;
  user_meta: string;
  headers: string;
  file: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  last_modified INTEGER NOT NULL, content_type TEXT NOT NULL, acl TEXT NOT NULL,
  user_meta TEXT NOT NULL, headers TEXT NOT NULL, file TEXT NOT NULL,
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
`;

const READ_CHUNK_BYTES = 512 * 1024;
/** The etag column of an object whose MD5 was deferred and is not computed yet. */
const ETAG_PENDING = '';

const toInfo = (r: ObjectRow): ObjectInfo => ({
  key: r.key,
  size: r.size,
  etag: r.etag,
  lastModified: r.last_modified,
  contentType: r.content_type,
  acl: r.acl,
  userMeta: JSON.parse(r.user_meta) as Record<string, string>,
  headers: JSON.parse(r.headers) as Record<string, string>,
});

export interface FsObjectStoreOptions {
  /** fsync each object before it becomes visible: survives power loss, costs a disk flush per object. */
  readonly fsync?: boolean;
}

/**
 * Objects as files, their names and metadata in SQLite.
 *
 * A file is named by a hash of its key plus a version suffix and fanned out over two directory levels, so
 * a channel prefix with millions of segments never makes a huge directory and keys need no escaping (no
 * key can reach outside the store). Each put writes a new version file under `.tmp`, renames it into
 * place, then points the index at it, then unlinks the previous version: a reader that looked up the index
 * always opens a complete file, and an object is listed only once its bytes are in place.
 */
export class FsObjectStore implements ObjectStore {
  private readonly statements;
  private readonly tmpDir: string;
  private readonly madeDirs = new Set<string>();
  /** Deferred ETags being computed, by file, so concurrent lookups hash once. */
  private readonly hashing = new Map<string, Promise<string>>();

  private constructor(
    private readonly root: string,
    private readonly db: SqliteDatabase,
    private readonly options: FsObjectStoreOptions,
  ) {
    db.exec(SCHEMA);
    this.statements = {
      get: db.prepare('SELECT * FROM objects WHERE bucket = ? AND key = ?'),
      upsert: db.prepare(
        `INSERT INTO objects (bucket, key, size, etag, last_modified, content_type, acl, user_meta, headers, file)
         VALUES (@bucket, @key, @size, @etag, @last_modified, @content_type, @acl, @user_meta, @headers, @file)
         ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, etag = excluded.etag,
           last_modified = excluded.last_modified, content_type = excluded.content_type, acl = excluded.acl,
           user_meta = excluded.user_meta, headers = excluded.headers, file = excluded.file`,
      ),
      setAcl: db.prepare('UPDATE objects SET acl = ? WHERE bucket = ? AND key = ?'),
      // Only the version that was hashed: a put may have replaced it meanwhile.
      setEtag: db.prepare('UPDATE objects SET etag = ? WHERE bucket = ? AND key = ? AND file = ?'),
      delete: db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING file'),
      list: db.prepare(
        `SELECT * FROM objects WHERE bucket = @bucket AND key > @after AND key >= @prefix AND key < @prefixEnd
         ORDER BY key LIMIT @limit`,
      ),
      any: db.prepare('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1'),
    };
    this.tmpDir = join(root, '.tmp');
  }

  /** Opens (creating if needed) a store rooted at `dir`; removes temp files a crash left behind. */
  static open(dir: string, options: FsObjectStoreOptions = {}): FsObjectStore {
    mkdirSync(dir, { recursive: true });
    const tmp = join(dir, '.tmp');
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    return new FsObjectStore(dir, openSqlite(join(dir, 'index.db')), options);
  }

  async put(bucket: string, key: string, body: Uint8Array | readonly Uint8Array[], options: PutOptions): Promise<ObjectInfo> {
    const parts = body instanceof Uint8Array ? [body] : body;
    const md5 = options.deferEtag ? undefined : createHash('md5');
    let size = 0;
    for (const part of parts) {
      md5?.update(part);
      size += part.byteLength;
    }
    const version = randomBytes(6).toString('hex');
    const file = this.fileName(bucket, key, version);
    const tmp = join(this.tmpDir, version);
    await this.writeTemp(tmp, parts);
    const target = join(this.root, file);
    const dir = join(target, '..');
    // Fan-out directories are never removed while the store is open: create each one once per process.
    if (!this.madeDirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.madeDirs.add(dir);
    }
    await rename(tmp, target).catch(async (error: unknown) => {
      await rm(tmp, { force: true });
      throw error;
    });
    const previous = this.statements.get.get(bucket, key) as ObjectRow | undefined;
    const row: ObjectRow & { bucket: string } = {
      bucket,
      key,
      size,
      etag: md5 ? etagOf(md5) : ETAG_PENDING,
      last_modified: Date.now(),
      content_type: options.contentType,
      acl: options.acl ?? 'default',
      user_meta: JSON.stringify(options.userMeta ?? {}),
      headers: JSON.stringify(options.headers ?? {}),
      file,
    };
    this.statements.upsert.run(row);
    if (previous) await unlink(join(this.root, previous.file)).catch(() => undefined);
    return toInfo(row);
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    const row = this.statements.get.get(bucket, key) as ObjectRow | undefined;
    return row && toInfo(await this.withEtag(bucket, row));
  }

  async read(
    bucket: string,
    key: string,
    range?: readonly [number, number],
  ): Promise<{ info: ObjectInfo; body: Readable } | undefined> {
    const opened = await this.openCurrent(bucket, key);
    if (!opened) return undefined;
    // Segments are around a megabyte: 64 KiB reads (the default) cost sixteen round trips each.
    const chunk = { highWaterMark: READ_CHUNK_BYTES };
    let row: ObjectRow;
    try {
      row = await this.withEtag(bucket, opened.row);
    } catch (error) {
      await opened.handle.close();
      throw error;
    }
    const body = opened.handle.createReadStream(range ? { ...chunk, start: range[0], end: range[1] } : chunk);
    return { info: toInfo(row), body };
  }

  async readAll(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Buffer } | undefined> {
    const opened = await this.openCurrent(bucket, key);
    if (!opened) return undefined;
    try {
      const body = await opened.handle.readFile();
      const row = opened.row.etag === ETAG_PENDING ? this.recordEtag(bucket, opened.row, md5Etag(body)) : opened.row;
      return { info: toInfo(row), body };
    } finally {
      await opened.handle.close();
    }
  }

  async setAcl(bucket: string, key: string, acl: ObjectAcl): Promise<boolean> {
    return this.statements.setAcl.run(acl, bucket, key).changes === 1;
  }

  async delete(bucket: string, key: string): Promise<boolean> {
    const row = this.statements.delete.get(bucket, key) as { file: string } | undefined;
    if (!row) return false;
    await unlink(join(this.root, row.file)).catch(() => undefined);
    return true;
  }

  async list(bucket: string, options: ListOptions): Promise<ObjectInfo[]> {
    const prefix = options.prefix ?? '';
    const rows = this.statements.list.all({
      bucket,
      prefix,
      // U+10FFFF sorts after every UTF-8 continuation of `prefix` under SQLite's byte-order collation.
      prefixEnd: prefix + '\u{10FFFF}',
      after: options.after ?? '',
      limit: options.limit,
    }) as ObjectRow[];
    const completed: ObjectInfo[] = [];
    for (const row of rows) completed.push(toInfo(await this.withEtag(bucket, row)));
    return completed;
  }

  async hasObjects(bucket: string): Promise<boolean> {
    return this.statements.any.get(bucket) !== undefined;
  }

  async dropBucket(bucket: string): Promise<void> {
    for (const dir of this.madeDirs) if (dir.startsWith(join(this.root, 'buckets', bucket) + '/')) this.madeDirs.delete(dir);
    await rm(join(this.root, 'buckets', bucket), { recursive: true, force: true });
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Leftover temp names, for crash-safety checks. */
  tempFiles(): string[] {
    return readdirSync(this.tmpDir);
  }

  /** The row with its ETag, hashing the file first when its ETag was deferred. */
  private async withEtag(bucket: string, row: ObjectRow): Promise<ObjectRow> {
    if (row.etag !== ETAG_PENDING) return row;
    let pending = this.hashing.get(row.file);
    if (!pending) {
      pending = hashFile(join(this.root, row.file)).finally(() => this.hashing.delete(row.file));
      this.hashing.set(row.file, pending);
    }
    return this.recordEtag(bucket, row, await pending);
  }

  private recordEtag(bucket: string, row: ObjectRow, etag: string): ObjectRow {
    this.statements.setEtag.run(etag, bucket, row.key, row.file);
    return { ...row, etag };
  }

  private fileName(bucket: string, key: string, version: string): string {
    const hash = createHash('sha256').update(key).digest('hex');
    return join('buckets', bucket, hash.slice(0, 2), hash.slice(2, 4), `${hash.slice(4)}.${version}`);
  }

  private async writeTemp(tmp: string, parts: readonly Uint8Array[]): Promise<void> {
    try {
      if (parts.length === 1 && !this.options.fsync) {
        await writeFile(tmp, parts[0]!);
        return;
      }
      const handle = await open(tmp, 'w');
      try {
        await handle.writev(parts as Uint8Array[]);
        if (this.options.fsync) await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /** The index row and an open handle on its file; retries when a concurrent put replaced the version. */
  private async openCurrent(bucket: string, key: string): Promise<{ row: ObjectRow; handle: FileHandle } | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = this.statements.get.get(bucket, key) as ObjectRow | undefined;
      if (!row) return undefined;
      try {
        return { row, handle: await open(join(this.root, row.file), 'r') };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return undefined;
  }
}

async function hashFile(path: string): Promise<string> {
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) md5.update(chunk as Buffer);
  return etagOf(md5);
}
