import { performance } from 'node:perf_hooks';
import type { EngineEventBus } from '../events.js';
import type { HlsCursor, MetadataStore, SegmentRecord } from '../store/metadata-store.js';
import type { ObjectStore } from '../store/object-store.js';
import { PLAYLIST_CONTENT_TYPE, SEGMENT_CONTENT_TYPE } from './content-types.js';
import { renderLivePlaylist, type ListedSegment } from './live-playlist.js';
import type { PooledBody } from './segment-buffers.js';
import { SegmentFile } from './segment-file.js';
import { minTargetDuration } from './playlist-format.js';
import { putWithRetry } from './store-retry.js';

/** A finished segment handed to the writer. */
export interface ClosedSegment {
  /** Its bytes, written into the store as they were muxed (the last writes may still be in flight). */
  readonly file: SegmentFile;
  /**
   * The same bytes in memory, kept only for channels someone serves from memory (the edge): handed over
   * in `segmentBody` once stored.
   */
  readonly body?: Buffer;
  /** When `body` is pooled: the writer releases it once stored (or given up on); listeners may retain it. */
  readonly owner?: PooledBody;
  readonly durationMs: number;
  /** A timeline break before it (from ingest). */
  readonly discontinuity: boolean;
  /** performance.now() when the frame that closed it arrived (or the publish ended). */
  readonly closedAt: number;
  /** The publish's EXT-X-TARGETDURATION as the segmenter fixed it. */
  readonly targetDurationS: number;
}

export interface HlsWriterOptions {
  readonly bucket: string;
  readonly channel: string;
  readonly playlistName: string;
  readonly fragCount: number;
  readonly objects: ObjectStore;
  readonly meta: MetadataStore;
  readonly events: EngineEventBus;
  /** Settles when the channel's previous publish has finished writing; its cursor is read after. */
  readonly previous: Promise<void>;
  /** Called whenever stored bytes leave `pendingBytes` (drives the pipeline's back-pressure). */
  readonly onStored: () => void;
}

interface Announce {
  readonly segment: ListedSegment;
  readonly bytes: number;
  readonly closedAt: number;
}

/**
 * Writes one publish's segments and live playlist into the bucket, one store operation at a time, in
 * order: segment object, then its index row with the advanced cursor, then the playlist naming it. A
 * segment that could not be stored is never listed; the next one is marked as a discontinuity. The
 * sequence, discontinuity sequence and last name come from the channel's persisted HlsCursor, so they
 * keep counting across republishes and restarts.
 */
export class HlsWriter {
  private readonly playlistKey: string;
  private readonly queue: ClosedSegment[] = [];
  private readonly ready: Promise<void>;
  private cursor: HlsCursor = { nextSequence: 0, discontinuitySequence: 0, lastSegmentName: 0 };
  private window: ListedSegment[] = [];
  private targetDurationS = 0;
  private targetFixed = false;
  /** The next stored segment is the first of this publish, or follows a lost one. */
  private breakBeforeNext = false;
  private unannounced: Announce[] = [];
  private running: Promise<void> | undefined;
  private pending = 0;
  /** The last name openSegment gave (or the last stored before this publish, once loaded). */
  private lastNamed = 0;

  constructor(private readonly o: HlsWriterOptions) {
    this.playlistKey = `${o.channel}/${o.playlistName}`;
    this.ready = o.previous.then(() => this.load());
    // A failed load is reported by run() when a segment needs it; until then it must not crash the process.
    this.ready.catch(() => undefined);
  }

  /** Bytes handed over and not yet stored (or given up on). */
  get pendingBytes(): number {
    return this.pending;
  }

  /**
   * A new segment's file, to be enqueued once closed. `arrivedAt` (epoch ms its first frame arrived) is
   * the candidate for its name; names only increase, even when the clock goes back, and a segment that
   * is lost keeps its name, so write errors are reported under a key no later segment gets.
   */
  openSegment(arrivedAt: number): SegmentFile {
    const { bucket, channel, objects, events } = this.o;
    const name = Math.max(arrivedAt, this.lastNamed + 1);
    this.lastNamed = name;
    const key = `${channel}/${name}.ts`;
    return new SegmentFile(objects.createWriter(bucket, key), events, bucket, key, name);
  }

  enqueue(segment: ClosedSegment): void {
    this.queue.push(segment);
    this.pending += segment.file.size;
    this.running ??= this.run()
      .catch((error: unknown) => this.abandon(error))
      .finally(() => (this.running = undefined));
  }

  /** Resolves when everything enqueued so far has been stored or given up on. */
  async idle(): Promise<void> {
    await this.ready.catch(() => undefined);
    while (this.running) await this.running;
  }

  /** A metadata or listener failure: drop what is queued so back-pressure cannot stick. */
  private abandon(error: unknown): void {
    console.error(`livebucket: HLS writer of ${this.o.bucket}/${this.playlistKey} failed: ${String(error)}`);
    for (const segment of this.queue.splice(0)) {
      segment.owner?.release();
      void segment.file.abort();
    }
    this.pending = 0;
    this.o.onStored();
  }

  private load(): void {
    const { bucket, channel, meta, fragCount } = this.o;
    this.cursor = meta.getHlsCursor(bucket, channel);
    this.lastNamed = Math.max(this.lastNamed, this.cursor.lastSegmentName);
    this.breakBeforeNext = this.cursor.nextSequence > 0;
    const recent = meta.recentSegments(bucket, channel, fragCount);
    // Walk back from the cursor to recover each listed segment's discontinuity sequence number.
    let dsn = this.cursor.discontinuitySequence;
    const listed: ListedSegment[] = [];
    for (let i = recent.length - 1; i >= 0; i--) {
      const r = recent[i]!;
      listed.push({ ...r, discontinuitySequence: dsn });
      if (r.discontinuity) dsn--;
    }
    this.window = listed.reverse();
    // Segments carried over from the previous publish must fit the target duration too.
    this.targetDurationS = minTargetDuration(recent.map((r) => r.durationMs));
  }

  private async run(): Promise<void> {
    await this.ready;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      for (const segment of batch) {
        this.fixTargetDuration(segment.targetDurationS);
        let listed: ListedSegment | undefined;
        try {
          listed = await this.storeSegment(segment);
        } finally {
          segment.owner?.release();
        }
        this.pending -= segment.file.size;
        this.o.onStored();
        if (!listed) continue;
        this.window.push(listed);
        if (this.window.length > this.o.fragCount) this.window.shift();
        this.unannounced.push({ segment: listed, bytes: segment.file.size, closedAt: segment.closedAt });
      }
      if (this.unannounced.length > 0) await this.writePlaylist();
    }
  }

  /** Fixed by the first segment of the publish; never changes for the rest of it. */
  private fixTargetDuration(segmenterTargetS: number): void {
    if (this.targetFixed) return;
    this.targetFixed = true;
    this.targetDurationS = Math.max(this.targetDurationS, segmenterTargetS);
  }

  private async storeSegment(segment: ClosedSegment): Promise<ListedSegment | undefined> {
    const { bucket, channel, meta, events } = this.o;
    // Opened before the previous publish's last name was known, a segment may still have to be renamed.
    const name = Math.max(segment.file.name, this.cursor.lastSegmentName + 1);
    const key = `${channel}/${name}.ts`;
    if (!(await segment.file.commit(key, { contentType: SEGMENT_CONTENT_TYPE, deferEtag: true }))) {
      this.breakBeforeNext = true;
      return undefined;
    }
    const { body, owner } = segment;
    if (body) events.emit('segmentBody', { bucket, key, body, retain: owner && (() => owner.retain()) });
    const discontinuity = segment.discontinuity || this.breakBeforeNext;
    this.breakBeforeNext = false;
    const record: SegmentRecord = {
      key,
      startTime: name,
      durationMs: segment.durationMs,
      sequence: this.cursor.nextSequence,
      discontinuity,
    };
    const discontinuitySequence = this.cursor.discontinuitySequence + (discontinuity ? 1 : 0);
    this.cursor = { nextSequence: record.sequence + 1, discontinuitySequence, lastSegmentName: name };
    try {
      meta.addSegment(bucket, channel, record, this.cursor);
    } catch (error) {
      // The bytes are stored and playable; only VOD and restart continuity lose this segment.
      console.error(`livebucket: indexing ${bucket}/${key} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    return { ...record, discontinuitySequence };
  }

  private async writePlaylist(): Promise<void> {
    const { bucket, channel, objects, events } = this.o;
    const body = Buffer.from(renderLivePlaylist(this.targetDurationS, this.window));
    const key = this.playlistKey;
    if (!(await putWithRetry(objects, events, bucket, key, body, { contentType: PLAYLIST_CONTENT_TYPE }))) return;
    const storedAt = performance.now();
    const time = Date.now();
    events.emit('playlist', { bucket, channel, key, body, time });
    for (const { segment, bytes, closedAt } of this.unannounced.splice(0)) {
      events.emit('segment', {
        bucket,
        channel,
        key: segment.key,
        sequence: segment.sequence,
        durationMs: segment.durationMs,
        bytes,
        latencyMs: storedAt - closedAt,
        time,
      });
    }
  }
}
