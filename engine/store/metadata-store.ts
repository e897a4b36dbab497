import type { ObjectAcl } from './object-store.js';

export type BucketAcl = Exclude<ObjectAcl, 'default'>;

export interface BucketRecord {
  readonly name: string;
  readonly acl: BucketAcl;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly location: string;
  readonly storageClass: string;
}

export interface LiveChannelConfig {
  readonly description: string;
  readonly status: 'enabled' | 'disabled';
  readonly fragDuration: number;
  readonly fragCount: number;
  readonly playlistName: string;
}

export interface LiveChannelRecord extends LiveChannelConfig {
  readonly bucket: string;
  readonly name: string;
  /** Epoch ms. */
  readonly lastModified: number;
}

export interface LiveRecord {
  /** Epoch ms. */
  readonly startTime: number;
  /** Epoch ms; undefined while the push is going on. */
  readonly endTime: number | undefined;
  readonly remoteAddr: string;
}

/** One stored HLS segment of a channel, as PostVodPlaylist needs it. */
export interface SegmentRecord {
  /** Object key, `{channel}/{startEpochMs}.ts`. */
  readonly key: string;
  /** Wall-clock epoch ms at which the segment's first frame arrived (the name's number). */
  readonly startTime: number;
  /** Media duration, ms. */
  readonly durationMs: number;
  /** EXT-X-MEDIA-SEQUENCE number of this segment. */
  readonly sequence: number;
  /** Discontinuity before this segment. */
  readonly discontinuity: boolean;
}

/** Per-channel HLS counters that must survive republishes and restarts. */
export interface HlsCursor {
  /** Sequence number the next segment gets. */
  readonly nextSequence: number;
  /** EXT-X-DISCONTINUITY-SEQUENCE of the segment with sequence `nextSequence`. */
  readonly discontinuitySequence: number;
  /** Largest `{startEpochMs}` used in a segment name of this channel. */
  readonly lastSegmentName: number;
}

/**
 * Everything but object bytes: buckets, LiveChannels, push history and the HLS segment index.
 * Synchronous on purpose: the embedded SQLite answers in microseconds; a distributed backend would wrap
 * these behind its own cache. Names are (bucket, channel) pairs throughout.
 */
export interface MetadataStore {
  createBucket(record: BucketRecord): boolean;
  getBucket(name: string): BucketRecord | undefined;
  listBuckets(): BucketRecord[];
  setBucketAcl(name: string, acl: BucketAcl): void;
  deleteBucket(name: string): void;

  putChannel(bucket: string, name: string, config: LiveChannelConfig, now: number): LiveChannelRecord;
  getChannel(bucket: string, name: string): LiveChannelRecord | undefined;
  /** Names in byte order, strictly after `marker`. */
  listChannels(bucket: string, prefix: string, marker: string, limit: number): LiveChannelRecord[];
  setChannelStatus(bucket: string, name: string, status: 'enabled' | 'disabled', now: number): void;
  deleteChannel(bucket: string, name: string): void;

  /** Opens a history record; returns its id. Only the newest 10 per channel are kept. */
  startPush(bucket: string, channel: string, startTime: number, remoteAddr: string): number;
  endPush(id: number, endTime: number): void;
  /** Newest last, at most 10. */
  listPushes(bucket: string, channel: string): LiveRecord[];
  /** After a crash: close every open record with the given end time. Returns how many. */
  closeOpenPushes(endTime: number): number;

  getHlsCursor(bucket: string, channel: string): HlsCursor;
  /** Adds the segment and advances the cursor in one transaction. */
  addSegment(bucket: string, channel: string, segment: SegmentRecord, cursor: HlsCursor): void;
  /** Segments whose startTime lies in [fromMs, toMs], in order. */
  listSegments(bucket: string, channel: string, fromMs: number, toMs: number): SegmentRecord[];
  /** The newest `count` segments, oldest first (to rebuild a live playlist after a restart). */
  recentSegments(bucket: string, channel: string, count: number): SegmentRecord[];

  close(): void;
}
