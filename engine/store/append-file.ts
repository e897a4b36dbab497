import { close, constants, fsync, ftruncate, open, write } from 'node:fs';
import { copyBytes } from '../shared-copy.js';
import { DIRECT_IO_ALIGNMENT, type AlignedStages } from './aligned-stages.js';

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC;
/** Undefined where the platform has no O_DIRECT. */
const DIRECT: number | undefined = constants.O_DIRECT;

/**
 * A new file written front to back. Where the filesystem allows, it is opened O_DIRECT and its bytes are
 * gathered in an aligned stage that goes to the disk whole, skipping the page cache. A segment is written
 * once and then read from the edge's memory, so caching its pages only cost a copy into freshly allocated
 * page-cache memory, the largest single cost of ingest on a VM whose idle memory the host takes back (a
 * quarter of the server's CPU at 200 channels). Whole stages, not each part, go out because every direct
 * write waits for the disk: a thread's sleep and wake-up plus the device's interrupt per 40 KiB part cost
 * more than the copy saved. The last stage goes out padded to a block and the file is then truncated.
 */
export class AppendFile {
  /** Bytes on disk, in whole stages; the file holds them and then `staged` bytes of `stage`. */
  private flushed = 0;
  private stage: Uint8Array | undefined;
  private staged = 0;
  private closed = false;

  private constructor(
    private readonly fd: number,
    /** Undefined when the file is written through the page cache. */
    private readonly stages: AlignedStages | undefined,
  ) {}

  /** Creates (or truncates) `path`; O_DIRECT through `stages` when given and the filesystem accepts it. */
  static async create(path: string, stages: AlignedStages | undefined): Promise<AppendFile> {
    if (stages && DIRECT !== undefined) {
      try {
        return new AppendFile(await fdCall<number>((cb) => open(path, CREATE | DIRECT, cb)), stages);
      } catch (error) {
        // EINVAL: this filesystem has no direct I/O.
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
      }
    }
    return new AppendFile(await fdCall<number>((cb) => open(path, CREATE, cb)), undefined);
  }

  get direct(): boolean {
    return this.stages !== undefined;
  }

  get size(): number {
    return this.flushed + this.staged;
  }

  /**
   * Appends `part`, which may be reused once this settles. A failure leaves the file's content as it was
   * (what went past its end is overwritten or truncated later), so the same part may be appended again.
   */
  async append(part: Uint8Array): Promise<void> {
    const stages = this.stages;
    if (!stages) {
      await writeAt(this.fd, part, part.byteLength, this.flushed);
      this.flushed += part.byteLength;
      return;
    }
    const held = (this.stage ??= stages.take());
    const room = held.byteLength - this.staged;
    // Parts are views of the mux ring's shared memory: copyBytes, not set.
    if (part.byteLength < room) {
      copyBytes(held, this.staged, part);
      this.staged += part.byteLength;
      return;
    }
    // The held stage keeps its first `staged` bytes until every write has succeeded, so that a failure
    // leaves the content as it was; the rest of the part goes through a second stage.
    copyBytes(held, this.staged, part.subarray(0, room));
    let next = stages.take();
    try {
      await writeAt(this.fd, held, held.byteLength, this.flushed);
      let offset = this.flushed + held.byteLength;
      let at = room;
      for (; part.byteLength - at >= next.byteLength; at += next.byteLength, offset += next.byteLength) {
        copyBytes(next, 0, part.subarray(at, at + next.byteLength));
        await writeAt(this.fd, next, next.byteLength, offset);
      }
      copyBytes(next, 0, part.subarray(at));
      this.stage = next;
      this.staged = part.byteLength - at;
      this.flushed = offset;
      next = held;
    } finally {
      stages.give(next);
    }
  }

  /** Writes what is gathered, optionally syncs, and closes; the file then holds exactly what was appended. */
  async finish(sync: boolean): Promise<void> {
    try {
      if (this.stage && this.staged > 0) {
        const padded = Math.ceil(this.staged / DIRECT_IO_ALIGNMENT) * DIRECT_IO_ALIGNMENT;
        this.stage.fill(0, this.staged, padded);
        await writeAt(this.fd, this.stage, padded, this.flushed);
        if (padded !== this.staged) await fdCall<void>((cb) => ftruncate(this.fd, this.size, cb));
      }
      if (sync) await fdCall<void>((cb) => fsync(this.fd, cb));
    } finally {
      await this.close();
    }
  }

  /** Closes without writing what is gathered: for a file about to be removed. Once only: the fd may be reused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.stage) this.stages!.give(this.stage);
    this.stage = undefined;
    await fdCall<void>((cb) => close(this.fd, cb));
  }
}

/** Writes `length` bytes of `bytes` at `offset`, however many calls that takes. */
async function writeAt(fd: number, bytes: Uint8Array, length: number, offset: number): Promise<void> {
  for (let at = 0; at < length; ) {
    at += await fdCall<number>((cb) => write(fd, bytes, at, length - at, offset + at, cb));
  }
}

/** A callback-style fs call as a promise: cheaper per write than FileHandle's. */
function fdCall<T>(call: (callback: (error: NodeJS.ErrnoException | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));
}
