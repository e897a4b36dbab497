import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import { mkdir, open, rm, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { AlignedStages } from './aligned-stages.js';
import { AppendFile } from './append-file.js';
import type { ListOptions, ObjectAcl, ObjectInfo, ObjectStore, ObjectWriter, PutOptions } from './object-store.js';
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
  /** '' when the body is inline. */
  file: string;
  /** Selected only by lookups that read the body. */
  inline_body?: Buffer | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
  last_modified INTEGER NOT NULL, content_type TEXT NOT NULL, acl TEXT NOT NULL,
  user_meta TEXT NOT NULL, headers TEXT NOT NULL, file TEXT NOT NULL, inline_body BLOB,
  PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS loose_files (file TEXT PRIMARY KEY) WITHOUT ROWID;
`;

/** Every column but the inline body, for lookups that return only metadata. */
const INFO_COLUMNS = 'key, size, etag, last_modified, content_type, acl, user_meta, headers, file';
const READ_CHUNK_BYTES = 512 * 1024;
/**
 * Bodies up to this size live in the index row instead of a file. A live playlist is rewritten every
 * segment: as a file, each rewrite allocated an inode and freed one, and on ext4 without a journal every
 * allocation then scans past the inodes freed in the last 30 s (a third of a millisecond each at 16
 * channels). Above a few pages SQLite's overflow chains cost more than a file.
 */
const DEFAULT_INLINE_MAX_BYTES = 16 * 1024;
/** The etag column of an object whose MD5 was deferred and is not computed yet. */
const ETAG_PENDING = '';
/** Writer file names recorded as loose per transaction (see reservedFile). */
const RESERVED_NAMES = 32;
/**
 * A direct-written file gathers this much before each write: at 2.5 Mbit/s most of a second, and one
 * write per part of a fast push's batches. Held while its segment is being written: a live channel's
 * largest cost in memory.
 */
const DIRECT_STAGE_BYTES = 256 << 10;
/** Stages made at once when more are needed (8 MiB of address space, resident only once used). */
const DIRECT_STAGES_PER_SLAB = 32;
/** Free stages kept for later writers (64 MiB): more than 200 fast publishes use at once. */
const DIRECT_MAX_FREE_STAGES = 256;

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
  /** Bodies of at most this many bytes are kept in the index, not in files (default 16 KiB; 0: never). */
  readonly inlineMaxBytes?: number;
  /** Write streamed objects (segments) with O_DIRECT where the filesystem allows (default true). */
  readonly directWrites?: boolean;
}

/**
 * Objects as files, their names and metadata in SQLite; bodies of at most `inlineMaxBytes` (playlists)
 * in the index row itself.
 *
 * A file is named by a hash of its key plus a version suffix and fanned out over 256 directories, so a
 * channel prefix with millions of segments never makes a huge directory (a million objects: 4 000 per
 * directory) and keys need no escaping (no key can reach outside the store). One level, not two: with
 * 65 536 leaves nearly every new segment made a directory, 8 % of the CPU of a 16-channel ingest; 256 are
 * made once. Files of earlier layouts stay where the index says they are.
 *
 * Each put writes a new version file in place (a name no index row points at yet), then points the index
 * at it, then unlinks the previous version: a reader that looked up the index always opens a complete
 * file, and an object is listed only once its bytes are in place.
 * Files that no row points at (being written, or replaced or deleted and not yet unlinked) are recorded
 * in `loose_files` first, in the same transaction as the index change, so that the next open removes
 * what a crash left of them. Writing in place rather than renaming out of one temp directory keeps
 * concurrent puts off a single directory lock, and new inodes near their own directory: both were a
 * tenth of the server's CPU when 200 channels stored segments at once.
 */
export class FsObjectStore implements ObjectStore {
  private readonly statements;
  /** Points the index at a new version; the replaced one becomes loose. One transaction. */
  private readonly index: (row: ObjectRow & { bucket: string }, replaced: string | undefined) => void;
  /** Removes the index row; its file, if any, becomes loose. One transaction; '' for an inline body. */
  private readonly unindex: (bucket: string, key: string) => string | undefined;
  private readonly madeDirs = new Set<string>();
  /** Deferred ETags being computed, by file, so concurrent lookups hash once. */
  private readonly hashing = new Map<string, Promise<string>>();
  private readonly inlineMaxBytes: number;
  /** Per bucket, names recorded as loose and not yet given to a writer (see reservedFile). */
  private readonly reserved = new Map<string, string[]>();
  private readonly recordLoose: (files: readonly string[]) => void;
  /** Stages for writers' direct writes; undefined when they are off or the filesystem refused them. */
  private stages: AlignedStages | undefined;

  private constructor(
    private readonly root: string,
    private readonly db: SqliteDatabase,
    private readonly options: FsObjectStoreOptions,
  ) {
    db.exec(SCHEMA);
    const columns = db.prepare("SELECT name FROM pragma_table_info('objects')").all() as { name: string }[];
    if (!columns.some((c) => c.name === 'inline_body')) db.exec('ALTER TABLE objects ADD COLUMN inline_body BLOB');
    this.inlineMaxBytes = options.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
    if (options.directWrites !== false) this.stages = new AlignedStages(DIRECT_STAGE_BYTES, DIRECT_STAGES_PER_SLAB, DIRECT_MAX_FREE_STAGES);
    this.statements = {
      get: db.prepare(`SELECT ${INFO_COLUMNS} FROM objects WHERE bucket = ? AND key = ?`),
      getWithBody: db.prepare(`SELECT ${INFO_COLUMNS}, inline_body FROM objects WHERE bucket = ? AND key = ?`),
      upsert: db.prepare(
        `INSERT INTO objects (bucket, key, size, etag, last_modified, content_type, acl, user_meta, headers, file, inline_body)
         VALUES (@bucket, @key, @size, @etag, @last_modified, @content_type, @acl, @user_meta, @headers, @file, @inline_body)
         ON CONFLICT (bucket, key) DO UPDATE SET size = excluded.size, etag = excluded.etag,
           last_modified = excluded.last_modified, content_type = excluded.content_type, acl = excluded.acl,
           user_meta = excluded.user_meta, headers = excluded.headers, file = excluded.file,
           inline_body = excluded.inline_body`,
      ),
      setAcl: db.prepare('UPDATE objects SET acl = ? WHERE bucket = ? AND key = ?'),
      // Only the version that was hashed: a put may have replaced it meanwhile.
      setEtag: db.prepare('UPDATE objects SET etag = ? WHERE bucket = ? AND key = ? AND file = ?'),
      delete: db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING file'),
      list: db.prepare(
        `SELECT ${INFO_COLUMNS} FROM objects WHERE bucket = @bucket AND key > @after AND key >= @prefix AND key < @prefixEnd
         ORDER BY key LIMIT @limit`,
      ),
      any: db.prepare('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1'),
      addLoose: db.prepare('INSERT OR IGNORE INTO loose_files (file) VALUES (?)'),
      dropLoose: db.prepare('DELETE FROM loose_files WHERE file = ?'),
      allLoose: db.prepare('SELECT file FROM loose_files'),
    };
    const statements = this.statements;
    this.index = db.transaction((row: ObjectRow & { bucket: string }, replaced: string | undefined) => {
      statements.upsert.run(row);
      if (row.file) statements.dropLoose.run(row.file);
      if (replaced) statements.addLoose.run(replaced);
    });
    this.recordLoose = db.transaction((files: readonly string[]) => {
      for (const file of files) statements.addLoose.run(file);
    });
    this.unindex = db.transaction((bucket: string, key: string) => {
      const row = statements.delete.get(bucket, key) as { file: string } | undefined;
      if (row?.file) statements.addLoose.run(row.file);
      return row?.file;
    });
    this.removeLooseFiles();
  }

  /** Opens (creating if needed) a store rooted at `dir`; removes the files a crash left unindexed. */
  static open(dir: string, options: FsObjectStoreOptions = {}): FsObjectStore {
    mkdirSync(dir, { recursive: true });
    // Stores written before puts went in place kept unfinished writes here.
    rmSync(join(dir, '.tmp'), { recursive: true, force: true });
    return new FsObjectStore(dir, openSqlite(join(dir, 'index.db')), options);
  }

  async put(bucket: string, key: string, body: Uint8Array | readonly Uint8Array[], options: PutOptions): Promise<ObjectInfo> {
    const parts = body instanceof Uint8Array ? [body] : body;
    let size = 0;
    for (const part of parts) size += part.byteLength;
    const inline = size <= this.inlineMaxBytes;
    // An inline body is small: hashing it now costs less than a later lookup's hashing round trip.
    const md5 = options.deferEtag && !inline ? undefined : createHash('md5');
    for (const part of parts) md5?.update(part);
    const etag = md5 ? etagOf(md5) : ETAG_PENDING;
    if (inline) return this.indexVersion(bucket, key, size, etag, options, '', Buffer.concat(parts, size));
    const file = this.fileName(bucket, keyHash(key));
    this.statements.addLoose.run(file);
    await this.writeVersion(join(this.root, file), parts).catch(async (error: unknown) => {
      await this.unlinkLoose(file);
      throw error;
    });
    return this.indexVersion(bucket, key, size, etag, options, file, null);
  }

  createWriter(bucket: string, key: string): ObjectWriter {
    const file = this.reservedFile(bucket);
    const path = join(this.root, file);
    let opened: AppendFile | undefined;
    let done = false;
    const assertOpen = (): void => {
      if (done) throw new Error(`object writer for ${bucket}/${key} already committed or aborted`);
    };
    const openFile = async (): Promise<AppendFile> => {
      if (opened) return opened;
      await this.makeDir(path);
      opened = await AppendFile.create(path, this.stages);
      // A filesystem without direct I/O will not grow it: stop asking.
      if (!opened.direct) this.stages = undefined;
      return opened;
    };
    return {
      get size() {
        return opened?.size ?? 0;
      },
      write: async (part) => {
        assertOpen();
        await (await openFile()).append(part);
      },
      commit: async (options, as = key) => {
        assertOpen();
        done = true;
        try {
          const written = await openFile();
          await written.finish(this.options.fsync === true);
          const etag = options.deferEtag ? ETAG_PENDING : await hashFile(path);
          return this.indexVersion(bucket, as, written.size, etag, options, file, null);
        } catch (error) {
          await opened?.close().catch(() => undefined);
          await this.unlinkLoose(file);
          throw error;
        }
      },
      abort: async () => {
        if (done) return;
        done = true;
        await opened?.close().catch(() => undefined);
        await this.unlinkLoose(file);
      },
    };
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
    if (!opened.handle) {
      const whole = opened.row.inline_body ?? Buffer.alloc(0);
      return { info: toInfo(opened.row), body: Readable.from(range ? whole.subarray(range[0], range[1] + 1) : whole, { objectMode: false }) };
    }
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
    if (!opened.handle) return { info: toInfo(opened.row), body: opened.row.inline_body ?? Buffer.alloc(0) };
    try {
      const body = await opened.handle.readFile();
      const row = opened.row.etag === ETAG_PENDING ? this.recordEtag(bucket, opened.row, md5Etag(body)) : opened.row;
      return { info: toInfo(row), body };
    } finally {
      await opened.handle.close();
    }
  }

  /** Points `key` at a new version (a loose file, or an inline body) and unlinks the one it replaces. */
  private async indexVersion(
    bucket: string,
    key: string,
    size: number,
    etag: string,
    options: PutOptions,
    file: string,
    inlineBody: Buffer | null,
  ): Promise<ObjectInfo> {
    const previous = this.statements.get.get(bucket, key) as ObjectRow | undefined;
    const row: ObjectRow & { bucket: string } = {
      bucket,
      key,
      size,
      etag,
      last_modified: Date.now(),
      content_type: options.contentType,
      acl: options.acl ?? 'default',
      user_meta: JSON.stringify(options.userMeta ?? {}),
      headers: JSON.stringify(options.headers ?? {}),
      file,
      inline_body: inlineBody,
    };
    this.index(row, previous?.file || undefined);
    if (previous?.file) await this.unlinkLoose(previous.file);
    return toInfo(row);
  }

  async setAcl(bucket: string, key: string, acl: ObjectAcl): Promise<boolean> {
    return this.statements.setAcl.run(acl, bucket, key).changes === 1;
  }

  async delete(bucket: string, key: string): Promise<boolean> {
    const file = this.unindex(bucket, key);
    if (file === undefined) return false;
    if (file) await this.unlinkLoose(file);
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

  /**
   * Files no index row points at that are not removed yet, for crash-safety checks. Names reserved for
   * writers and not handed out yet have no file and are left out.
   */
  looseFiles(): string[] {
    const unused = new Set([...this.reserved.values()].flat());
    return (this.statements.allLoose.all() as { file: string }[]).map((r) => r.file).filter((file) => !unused.has(file));
  }

  /**
   * A name for a writer's file, recorded as loose before the file exists. Names are recorded
   * RESERVED_NAMES at a time, in one transaction: recording each segment's name on its own was one of the
   * four SQLite commits of every stored segment. Writers are named after no key: the object's key may
   * change at commit, and the index maps keys to files anyway. Names left unused when the process ends
   * are removed with the other loose records by the next open.
   */
  private reservedFile(bucket: string): string {
    let names = this.reserved.get(bucket);
    if (!names || names.length === 0) {
      names = Array.from({ length: RESERVED_NAMES }, () => this.fileName(bucket, randomBytes(16).toString('hex')));
      this.recordLoose(names);
      this.reserved.set(bucket, names);
    }
    return names.pop()!;
  }

  private removeLooseFiles(): void {
    for (const file of this.looseFiles()) {
      rmSync(join(this.root, file), { force: true });
      this.statements.dropLoose.run(file);
    }
  }

  /** Removes a loose file; when that fails it stays recorded, for the next open to remove. */
  private async unlinkLoose(file: string): Promise<void> {
    try {
      await unlink(join(this.root, file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return;
    }
    this.statements.dropLoose.run(file);
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

  /** A new version's file: `id` (hex) picks one of 256 directories and names the file with a random version. */
  private fileName(bucket: string, id: string): string {
    return join('buckets', bucket, id.slice(0, 2), `${id.slice(2)}.${randomBytes(6).toString('hex')}`);
  }

  /** Fan-out directories are never removed while the store is open: each is made once per process. */
  private async makeDir(path: string): Promise<void> {
    const dir = dirname(path);
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.madeDirs.add(dir);
  }

  /** Writes a new version file; what a failure leaves of it is the caller's loose file. */
  private async writeVersion(path: string, parts: readonly Uint8Array[]): Promise<void> {
    await this.makeDir(path);
    if (parts.length === 1 && !this.options.fsync) {
      await writeFile(path, parts[0]!);
      return;
    }
    const handle = await open(path, 'w');
    try {
      await handle.writev(parts as Uint8Array[]);
      if (this.options.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
  }

  /**
   * The index row with its inline body, or with an open handle on its file; retries when a concurrent put
   * replaced the version.
   */
  private async openCurrent(bucket: string, key: string): Promise<{ row: ObjectRow; handle?: FileHandle } | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = this.statements.getWithBody.get(bucket, key) as ObjectRow | undefined;
      if (!row) return undefined;
      if (!row.file) return { row };
      try {
        return { row, handle: await open(join(this.root, row.file), 'r') };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return undefined;
  }
}

const keyHash = (key: string): string => createHash('sha256').update(key).digest('hex');

async function hashFile(path: string): Promise<string> {
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) md5.update(chunk as Buffer);
  return etagOf(md5);
}
