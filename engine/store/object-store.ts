import type { Readable } from 'node:stream';

export type ObjectAcl = 'default' | 'private' | 'public-read' | 'public-read-write';

export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** Upper-case hex MD5 of the body, without quotes. */
  readonly etag: string;
  /** Epoch ms. */
  readonly lastModified: number;
  readonly contentType: string;
  readonly acl: ObjectAcl;
  /** `x-oss-meta-*` headers, names lower-cased without the prefix. */
  readonly userMeta: Readonly<Record<string, string>>;
  /** Other stored response headers (Cache-Control, Content-Disposition, Content-Encoding, Expires). */
  readonly headers: Readonly<Record<string, string>>;
}

export interface PutOptions {
  readonly contentType: string;
  readonly acl?: ObjectAcl;
  readonly userMeta?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Compute the ETag when the object is first looked at (head, read, list) instead of now: for objects
   * written in bulk and often never read through the API, like live segments. put() then returns an
   * empty etag; every other method returns the MD5 as usual.
   */
  readonly deferEtag?: boolean;
}

export interface ListOptions {
  readonly prefix?: string;
  /** Return keys strictly greater than this. */
  readonly after?: string;
  readonly limit: number;
}

/**
 * Bytes of objects, per bucket. Writes are atomic: a reader sees the whole old object or the whole
 * new one, never a partial body, and `list`/`head` name an object only once its bytes are readable.
 * Every method may reject with an Error whose `code` is a Node errno (EIO, ENOSPC) on storage failure.
 */
export interface ObjectStore {
  put(bucket: string, key: string, body: Uint8Array | readonly Uint8Array[], options: PutOptions): Promise<ObjectInfo>;
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** `range` is inclusive [start, end], already validated against the size. */
  read(bucket: string, key: string, range?: readonly [number, number]): Promise<{ info: ObjectInfo; body: Readable } | undefined>;
  /** Whole body in memory; for small objects (playlists) and tests. */
  readAll(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Buffer } | undefined>;
  setAcl(bucket: string, key: string, acl: ObjectAcl): Promise<boolean>;
  /** Resolves true when something was deleted. */
  delete(bucket: string, key: string): Promise<boolean>;
  /** Keys in byte order. */
  list(bucket: string, options: ListOptions): Promise<ObjectInfo[]>;
  /** True when the bucket holds at least one object. */
  hasObjects(bucket: string): Promise<boolean>;
  /** Remove every trace of a bucket's storage (the bucket must already be empty). */
  dropBucket(bucket: string): Promise<void>;
  close(): Promise<void>;
}
