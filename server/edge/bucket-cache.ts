import type { BucketRecord, MetadataStore } from '../../engine/store/metadata-store.js';

/** How long a bucket record (its ACL) is reused before the metadata store is asked again, ms. */
const BUCKET_TTL_MS = 1000;

/**
 * Bucket records for the request path: a live playlist is fetched thousands of times a second, its
 * bucket's ACL changes almost never; a change through the API shows within a second, as for objects.
 */
export class BucketCache {
  private readonly records = new Map<string, { record: BucketRecord | undefined; at: number }>();

  constructor(private readonly meta: MetadataStore) {}

  get(name: string, now: number): BucketRecord | undefined {
    const hit = this.records.get(name);
    if (hit && now - hit.at < BUCKET_TTL_MS) return hit.record;
    const record = this.meta.getBucket(name);
    // Unknown names are not remembered: a flood of random bucket names must not grow the map.
    if (record) this.records.set(name, { record, at: now });
    else this.records.delete(name);
    return record;
  }
}
