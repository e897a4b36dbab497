import { md5Etag } from '../../engine/store/etag.js';
import type { ObjectInfo } from '../../engine/store/object-store.js';

/** A body the HLS writer stored, kept in memory so viewers of a live channel never touch the store. */
export interface CachedObject {
  readonly body: Buffer;
  readonly kind: 'playlist' | 'segment';
  /**
   * The store's view of the object (ACL, ETag, stored headers); undefined until first revalidated.
   * Refreshed at most once a second so ACL changes and deletions through the API show within 1 s.
   */
  info: ObjectInfo | undefined;
  checkedAt: number;
  /** Response headers rendered for `info` under a bucket ACL, reused until either changes. */
  headers: PreparedHeaders | undefined;
  /** For a recycled body: keeps the bytes valid while a response is still sending them. */
  readonly retain: (() => () => void) | undefined;
  /** Lets go of the cache's own hold on a recycled body. */
  readonly release: (() => void) | undefined;
}

export interface PreparedHeaders {
  readonly info: ObjectInfo;
  readonly bucketAcl: string;
  readonly list: readonly (readonly [string, string])[];
  /** `list` encoded once: uWS then copies bytes instead of converting strings on every response. */
  readonly wire: readonly (readonly [Buffer, Buffer])[];
}

/** Revalidation period of cached objects against the store, ms. */
export const REVALIDATE_MS = 1000;
/**
 * A channel's new segments are taken into memory while it was asked for within this long: players poll
 * the live playlist every target duration, so one that is watching always is; nobody else pays the copy.
 */
const DEMAND_MS = 30_000;

const cacheId = (bucket: string, key: string): string => `${bucket}\n${key}`;

/** The channel prefix of a generated key (`{channel}/{name}`), or undefined for keys outside any channel. */
export function channelOfKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  return slash > 0 ? key.slice(0, slash) : undefined;
}

/**
 * Live playlists and the newest segments of each channel, bounded by a count per channel and a byte budget
 * over all channels. Bodies are the HLS writer's own buffers (no copy); the oldest entry goes first when
 * the budget is exceeded, so a thousand channels cost the budget, not a thousand windows.
 */
export class LiveCache {
  // Map iteration order is insertion order: re-inserting on write keeps the oldest entry first.
  private readonly objects = new Map<string, CachedObject>();
  private readonly segmentsByChannel = new Map<string, string[]>();
  /** When each channel was last asked for. */
  private readonly requested = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly segmentsPerChannel: number,
    private readonly maxBytes: number,
  ) {}

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.objects.size;
  }

  noteRequest(bucket: string, channel: string, now: number): void {
    this.requested.set(cacheId(bucket, channel), now);
  }

  /** Whether the channel's next segments should be handed over to be served from here. */
  wantsSegments(bucket: string, channel: string, now: number): boolean {
    const id = cacheId(bucket, channel);
    const at = this.requested.get(id);
    if (at === undefined) return false;
    if (now - at <= DEMAND_MS) return true;
    this.requested.delete(id);
    return false;
  }

  get(bucket: string, key: string): CachedObject | undefined {
    return this.objects.get(cacheId(bucket, key));
  }

  putPlaylist(bucket: string, key: string, body: Buffer, time: number): void {
    // Playlists are rewritten in place, so the ETag is known here: the store's is the MD5 of these bytes.
    const etag = md5Etag(body);
    const previous = this.objects.get(cacheId(bucket, key))?.info;
    const info: ObjectInfo | undefined = previous && {
      ...previous,
      size: body.length,
      etag,
      lastModified: time,
    };
    this.insert(cacheId(bucket, key), {
      body, kind: 'playlist', info, checkedAt: info ? time : 0, headers: undefined, retain: undefined, release: undefined,
    });
  }

  /** `retain` is the writer's, for a recycled body: the cache holds it from here until the entry goes. */
  putSegment(bucket: string, key: string, body: Buffer, retain: (() => () => void) | undefined): void {
    const channel = channelOfKey(key);
    if (channel === undefined) return;
    const id = cacheId(bucket, key);
    const release = retain?.();
    this.insert(id, { body, kind: 'segment', info: undefined, checkedAt: 0, headers: undefined, retain, release });
    const channelId = cacheId(bucket, channel);
    let ids = this.segmentsByChannel.get(channelId);
    if (!ids) this.segmentsByChannel.set(channelId, (ids = []));
    ids.push(id);
    while (ids.length > this.segmentsPerChannel) this.remove(ids.shift()!);
  }

  delete(bucket: string, key: string): void {
    this.remove(cacheId(bucket, key));
  }

  /** Forgets a channel's segments and its playlists (after its publish ended). */
  dropChannel(bucket: string, channel: string): void {
    const channelId = cacheId(bucket, channel);
    for (const id of this.segmentsByChannel.get(channelId) ?? []) this.remove(id);
    this.segmentsByChannel.delete(channelId);
    this.requested.delete(channelId);
    const prefix = channelId + '/';
    for (const [id, entry] of this.objects) {
      if (entry.kind === 'playlist' && id.startsWith(prefix)) this.remove(id);
    }
  }

  clear(): void {
    for (const entry of this.objects.values()) entry.release?.();
    this.objects.clear();
    this.segmentsByChannel.clear();
    this.total = 0;
  }

  private insert(id: string, entry: CachedObject): void {
    this.remove(id);
    this.objects.set(id, entry);
    this.total += entry.body.length;
    for (const [oldest] of this.objects) {
      if (this.total <= this.maxBytes || oldest === id) break;
      this.remove(oldest);
    }
  }

  private remove(id: string): void {
    const entry = this.objects.get(id);
    if (!entry) return;
    this.objects.delete(id);
    this.total -= entry.body.length;
    entry.release?.();
  }
}
