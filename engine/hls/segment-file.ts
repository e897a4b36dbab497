import type { EngineEventBus } from '../events.js';
import type { ObjectWriter, PutOptions } from '../store/object-store.js';
import { reportStorageError, withStorageRetry } from './store-retry.js';

/**
 * One segment streamed into the store as the muxer produces it, so its bytes are never assembled in
 * memory. Parts are written in order, each retried like a put (a brief I/O stall passes); once a part
 * has finally failed the segment is lost: later parts are skipped and commit() stores nothing.
 */
export class SegmentFile {
  private written: Promise<void> = Promise.resolve();
  private lost = false;
  private appended = 0;

  constructor(
    private readonly writer: ObjectWriter,
    private readonly events: EngineEventBus,
    private readonly bucket: string,
    /** The key it is written for; errors are reported under it. */
    private readonly key: string,
    /** The segment name (epoch ms) in `key`. */
    readonly name: number,
  ) {}

  /** Bytes appended so far (written or not yet). */
  get size(): number {
    return this.appended;
  }

  /** Resolves (never rejects) once `part` is written or skipped: until then its bytes must not change. */
  append(part: Uint8Array): Promise<void> {
    this.appended += part.byteLength;
    this.written = this.written.then(async () => {
      if (this.lost) return;
      this.lost = !(await withStorageRetry(this.events, this.bucket, this.key, () => this.writer.write(part)));
    });
    return this.written;
  }

  /** Once every part is written, stores them as `key`; resolves whether the object is stored. Never rejects. */
  async commit(key: string, options: PutOptions): Promise<boolean> {
    await this.written;
    if (this.lost) {
      await this.abort();
      return false;
    }
    try {
      await this.writer.commit(options, key);
      return true;
    } catch (error) {
      // The writer is done either way: its bytes cannot be committed again.
      reportStorageError(this.events, this.bucket, key, error, 1, true);
      return false;
    }
  }

  /** Drops the segment once its writes have settled. Never rejects. */
  async abort(): Promise<void> {
    await this.written;
    await this.writer.abort().catch(() => undefined);
  }
}
