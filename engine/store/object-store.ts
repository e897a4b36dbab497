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
   * written in bulk and often never read through the API, like live segments. put() may then return an
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
 * A new object whose bytes arrive in parts (a live segment as the muxer produces it): nothing is visible
 * until commit(), and a crash before it leaves nothing behind.
 */
export interface ObjectWriter {
  /** Bytes written so far. */
  readonly size: number;
  /**
   * Appends `part`; its bytes may be reused once this settles. Calls must not overlap. A failed write
   * leaves the object as it was before the call, so the same part may be written again.
   */
  write(part: Uint8Array): Promise<void>;
  /**
   * Makes the bytes written the object `key` (default: the key it was created for), replacing any,
   * atomically; the writer is then done, whether this succeeds or not.
   */
  commit(options: PutOptions, key?: string): Promise<ObjectInfo>;
  /** Drops what was written; the writer is then done. */
  abort(): Promise<void>;
}

/**
 * Bytes of objects, per bucket. Writes are atomic: a reader sees the whole old object or the whole
 * new one, never a partial body, and `list`/`head` name an object only once its bytes are readable.
 * Every method may reject with an Error whose `code` is a Node errno (EIO, ENOSPC) on storage failure.
 */
export interface ObjectStore {
  put(bucket: string, key: string, body: Uint8Array | readonly Uint8Array[], options: PutOptions): Promise<ObjectInfo>;
  /**
   * An object written in parts, to be committed as `key` (commit may still rename it: a live segment's
   * name is settled when it is stored).
   */
  createWriter(bucket: string, key: string): ObjectWriter;
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
