import type {
  BucketAcl,
  BucketRecord,
  HlsCursor,
  LiveChannelConfig,
  LiveChannelRecord,
  LiveRecord,
  MetadataStore,
  SegmentRecord,
} from './metadata-store.js';
import { openSqlite, type SqliteDatabase } from './sqlite.js';

/** Pushes kept per channel, as GetLiveChannelHistory returns them. */
const HISTORY_LENGTH = 10;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS buckets (
  name TEXT PRIMARY KEY, acl TEXT NOT NULL, created_at INTEGER NOT NULL,
  location TEXT NOT NULL, storage_class TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS channels (
  bucket TEXT NOT NULL, name TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL,
  frag_duration INTEGER NOT NULL, frag_count INTEGER NOT NULL, playlist_name TEXT NOT NULL,
  last_modified INTEGER NOT NULL, PRIMARY KEY (bucket, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS pushes (
  id INTEGER PRIMARY KEY, bucket TEXT NOT NULL, channel TEXT NOT NULL,
  start_time INTEGER NOT NULL, end_time INTEGER, remote_addr TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pushes_by_channel ON pushes (bucket, channel, id);
CREATE INDEX IF NOT EXISTS pushes_open ON pushes (end_time) WHERE end_time IS NULL;
CREATE TABLE IF NOT EXISTS hls_cursors (
  bucket TEXT NOT NULL, channel TEXT NOT NULL, next_sequence INTEGER NOT NULL,
  discontinuity_sequence INTEGER NOT NULL, last_segment_name INTEGER NOT NULL,
  PRIMARY KEY (bucket, channel)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS segments (
  bucket TEXT NOT NULL, channel TEXT NOT NULL, start_time INTEGER NOT NULL, key TEXT NOT NULL,
  duration_ms INTEGER NOT NULL, sequence INTEGER NOT NULL, discontinuity INTEGER NOT NULL,
  PRIMARY KEY (bucket, channel, start_time)
) WITHOUT ROWID;
`;

interface BucketRow {
  name: string;
  acl: BucketAcl;
  created_at: number;
  location: string;
  storage_class: string;
}
interface ChannelRow {
  bucket: string;
  name: string;
  description: string;
  status: 'enabled' | 'disabled';
  frag_duration: number;
  frag_count: number;
  playlist_name: string;
  last_modified: number;
}
interface PushRow {
  start_time: number;
  end_time: number | null;
  remote_addr: string;
}
interface CursorRow {
  next_sequence: number;
  discontinuity_sequence: number;
  last_segment_name: number;
}
interface SegmentRow {
  key: string;
  start_time: number;
  duration_ms: number;
  sequence: number;
  discontinuity: number;
}

const toBucket = (r: BucketRow): BucketRecord => ({
  name: r.name,
  acl: r.acl,
  createdAt: r.created_at,
  location: r.location,
  storageClass: r.storage_class,
});
const toChannel = (r: ChannelRow): LiveChannelRecord => ({
  bucket: r.bucket,
  name: r.name,
  description: r.description,
  status: r.status,
  fragDuration: r.frag_duration,
  fragCount: r.frag_count,
  playlistName: r.playlist_name,
  lastModified: r.last_modified,
});
const toSegment = (r: SegmentRow): SegmentRecord => ({
  key: r.key,
  startTime: r.start_time,
  durationMs: r.duration_ms,
  sequence: r.sequence,
  discontinuity: r.discontinuity !== 0,
});

/** The embedded MetadataStore: one SQLite file, statements prepared once. */
export class SqliteMetadataStore implements MetadataStore {
  private readonly statements;

  private constructor(private readonly db: SqliteDatabase) {
    db.exec(SCHEMA);
    this.statements = {
      insertBucket: db.prepare(
        'INSERT OR IGNORE INTO buckets (name, acl, created_at, location, storage_class) VALUES (?, ?, ?, ?, ?)',
      ),
      getBucket: db.prepare('SELECT * FROM buckets WHERE name = ?'),
      listBuckets: db.prepare('SELECT * FROM buckets ORDER BY name'),
      setBucketAcl: db.prepare('UPDATE buckets SET acl = ? WHERE name = ?'),
      deleteBucket: db.prepare('DELETE FROM buckets WHERE name = ?'),
      upsertChannel: db.prepare(
        `INSERT INTO channels (bucket, name, description, status, frag_duration, frag_count, playlist_name, last_modified)
         VALUES (@bucket, @name, @description, @status, @fragDuration, @fragCount, @playlistName, @lastModified)
         ON CONFLICT (bucket, name) DO UPDATE SET description = excluded.description, status = excluded.status,
           frag_duration = excluded.frag_duration, frag_count = excluded.frag_count,
           playlist_name = excluded.playlist_name, last_modified = excluded.last_modified`,
      ),
      getChannel: db.prepare('SELECT * FROM channels WHERE bucket = ? AND name = ?'),
      listChannels: db.prepare(
        `SELECT * FROM channels WHERE bucket = @bucket AND name > @marker AND name >= @prefix AND name < @prefixEnd
         ORDER BY name LIMIT @limit`,
      ),
      setChannelStatus: db.prepare('UPDATE channels SET status = ?, last_modified = ? WHERE bucket = ? AND name = ?'),
      deleteChannel: db.prepare('DELETE FROM channels WHERE bucket = ? AND name = ?'),
      insertPush: db.prepare('INSERT INTO pushes (bucket, channel, start_time, end_time, remote_addr) VALUES (?, ?, ?, NULL, ?)'),
      trimPushes: db.prepare(
        `DELETE FROM pushes WHERE bucket = @bucket AND channel = @channel AND id NOT IN
           (SELECT id FROM pushes WHERE bucket = @bucket AND channel = @channel ORDER BY id DESC LIMIT ${HISTORY_LENGTH})`,
      ),
      endPush: db.prepare('UPDATE pushes SET end_time = ? WHERE id = ? AND end_time IS NULL'),
      listPushes: db.prepare(
        `SELECT start_time, end_time, remote_addr FROM
           (SELECT * FROM pushes WHERE bucket = ? AND channel = ? ORDER BY id DESC LIMIT ${HISTORY_LENGTH})
         ORDER BY id`,
      ),
      closeOpenPushes: db.prepare('UPDATE pushes SET end_time = max(start_time, ?) WHERE end_time IS NULL'),
      getCursor: db.prepare('SELECT * FROM hls_cursors WHERE bucket = ? AND channel = ?'),
      upsertCursor: db.prepare(
        `INSERT INTO hls_cursors (bucket, channel, next_sequence, discontinuity_sequence, last_segment_name)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (bucket, channel) DO UPDATE SET next_sequence = excluded.next_sequence,
           discontinuity_sequence = excluded.discontinuity_sequence, last_segment_name = excluded.last_segment_name`,
      ),
      insertSegment: db.prepare(
        `INSERT OR REPLACE INTO segments (bucket, channel, start_time, key, duration_ms, sequence, discontinuity)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      listSegments: db.prepare(
        `SELECT * FROM segments WHERE bucket = ? AND channel = ? AND start_time BETWEEN ? AND ? ORDER BY start_time`,
      ),
      recentSegments: db.prepare(
        `SELECT * FROM (SELECT * FROM segments WHERE bucket = ? AND channel = ? ORDER BY start_time DESC LIMIT ?)
         ORDER BY start_time`,
      ),
    };
  }

  static open(file: string): SqliteMetadataStore {
    return new SqliteMetadataStore(openSqlite(file));
  }

  createBucket(record: BucketRecord): boolean {
    const s = this.statements.insertBucket;
    return s.run(record.name, record.acl, record.createdAt, record.location, record.storageClass).changes === 1;
  }

  getBucket(name: string): BucketRecord | undefined {
    const row = this.statements.getBucket.get(name) as BucketRow | undefined;
    return row && toBucket(row);
  }

  listBuckets(): BucketRecord[] {
    return (this.statements.listBuckets.all() as BucketRow[]).map(toBucket);
  }

  setBucketAcl(name: string, acl: BucketAcl): void {
    this.statements.setBucketAcl.run(acl, name);
  }

  deleteBucket(name: string): void {
    this.statements.deleteBucket.run(name);
  }

  putChannel(bucket: string, name: string, config: LiveChannelConfig, now: number): LiveChannelRecord {
    const record: LiveChannelRecord = { ...config, bucket, name, lastModified: now };
    this.statements.upsertChannel.run(record);
    return record;
  }

  getChannel(bucket: string, name: string): LiveChannelRecord | undefined {
    const row = this.statements.getChannel.get(bucket, name) as ChannelRow | undefined;
    return row && toChannel(row);
  }

  listChannels(bucket: string, prefix: string, marker: string, limit: number): LiveChannelRecord[] {
    // U+10FFFF sorts after every UTF-8 continuation of `prefix` under SQLite's byte-order BINARY collation.
    const rows = this.statements.listChannels.all({ bucket, prefix, prefixEnd: prefix + '\u{10FFFF}', marker, limit });
    return (rows as ChannelRow[]).map(toChannel);
  }

  setChannelStatus(bucket: string, name: string, status: 'enabled' | 'disabled', now: number): void {
    this.statements.setChannelStatus.run(status, now, bucket, name);
  }

  deleteChannel(bucket: string, name: string): void {
    this.statements.deleteChannel.run(bucket, name);
  }

  startPush(bucket: string, channel: string, startTime: number, remoteAddr: string): number {
    return this.db.transaction(() => {
      const id = Number(this.statements.insertPush.run(bucket, channel, startTime, remoteAddr).lastInsertRowid);
      this.statements.trimPushes.run({ bucket, channel });
      return id;
    })();
  }

  endPush(id: number, endTime: number): void {
    this.statements.endPush.run(endTime, id);
  }

  listPushes(bucket: string, channel: string): LiveRecord[] {
    return (this.statements.listPushes.all(bucket, channel) as PushRow[]).map((r) => ({
      startTime: r.start_time,
      endTime: r.end_time ?? undefined,
      remoteAddr: r.remote_addr,
    }));
  }

  closeOpenPushes(endTime: number): number {
    return this.statements.closeOpenPushes.run(endTime).changes;
  }

  getHlsCursor(bucket: string, channel: string): HlsCursor {
    const row = this.statements.getCursor.get(bucket, channel) as CursorRow | undefined;
    if (!row) return { nextSequence: 0, discontinuitySequence: 0, lastSegmentName: 0 };
    return {
      nextSequence: row.next_sequence,
      discontinuitySequence: row.discontinuity_sequence,
      lastSegmentName: row.last_segment_name,
    };
  }

  addSegment(bucket: string, channel: string, segment: SegmentRecord, cursor: HlsCursor): void {
    this.db.transaction(() => {
      this.statements.insertSegment.run(
        bucket,
        channel,
        segment.startTime,
        segment.key,
        Math.round(segment.durationMs),
        segment.sequence,
        segment.discontinuity ? 1 : 0,
      );
      this.statements.upsertCursor.run(
        bucket,
        channel,
        cursor.nextSequence,
        cursor.discontinuitySequence,
        cursor.lastSegmentName,
      );
    })();
  }

  listSegments(bucket: string, channel: string, fromMs: number, toMs: number): SegmentRecord[] {
    return (this.statements.listSegments.all(bucket, channel, fromMs, toMs) as SegmentRow[]).map(toSegment);
  }

  recentSegments(bucket: string, channel: string, count: number): SegmentRecord[] {
    return (this.statements.recentSegments.all(bucket, channel, count) as SegmentRow[]).map(toSegment);
  }

  close(): void {
    this.db.close();
  }
}
