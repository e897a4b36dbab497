import { close, constants, fsync, ftruncate, open, write } from 'node:fs';
import { DIRECT_IO_ALIGNMENT, type AlignedStages } from './aligned-stages.js';

const CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC;
/** Undefined where the platform has no O_DIRECT. */
const DIRECT: number | undefined = constants.O_DIRECT;
const BLOCK_MASK = DIRECT_IO_ALIGNMENT - 1;

/**
 * A new file written front to back. Where the filesystem allows, it is opened O_DIRECT: bytes go from an
 * aligned stage to the disk, skipping the page cache. A segment is written once and then read from the
 * edge's memory, so caching its pages only cost a copy into freshly allocated page-cache memory, which
 * was the largest single cost of ingest (a quarter of the server's CPU at 200 channels). Direct writes
 * must cover whole blocks: the bytes after the last whole block are kept in `tail` until more arrive or
 * the file is finished, when the tail goes out padded to a block and the file is truncated to its size.
 */
export class AppendFile {
  private flushed = 0;
  private tail: Uint8Array | undefined;
  private tailLength = 0;
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
        return new AppendFile(await fdCall<number>((cb) => open(path, CREATE | DIRECT, 0o644, cb)), stages);
      } catch (error) {
        // EINVAL: this filesystem has no direct I/O.
        if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
      }
    }
    return new AppendFile(await fdCall<number>((cb) => open(path, CREATE, 0o644, cb)), undefined);
  }

  get direct(): boolean {
    return this.stages !== undefined;
  }

  get size(): number {
    return this.flushed + this.tailLength;
  }

  /**
   * Appends `part`, which may be reused once this settles. A failure leaves the file's content as it was
   * (what went past its end is overwritten or truncated later), so the same part may be appended again.
   */
  async append(part: Uint8Array): Promise<void> {
    if (!this.stages) {
      await writeAt(this.fd, part, part.byteLength, this.flushed);
      this.flushed += part.byteLength;
      return;
    }
    this.tail ??= new Uint8Array(DIRECT_IO_ALIGNMENT);
    if (this.tailLength + part.byteLength < DIRECT_IO_ALIGNMENT) {
      this.tail.set(part, this.tailLength);
      this.tailLength += part.byteLength;
      return;
    }
    const stage = await this.stages.take();
    try {
      // The tail is replaced only once every block is written: until then a failure leaves it intact.
      stage.set(this.tail.subarray(0, this.tailLength));
      let staged = this.tailLength;
      let offset = this.flushed;
      for (let at = 0; ; ) {
        const taken = Math.min(stage.byteLength - staged, part.byteLength - at);
        stage.set(part.subarray(at, at + taken), staged);
        staged += taken;
        at += taken;
        const whole = at === part.byteLength ? staged & ~BLOCK_MASK : staged;
        if (whole > 0) await writeAt(this.fd, stage, whole, offset);
        offset += whole;
        if (at === part.byteLength) {
          this.tail.set(stage.subarray(whole, staged));
          this.tailLength = staged - whole;
          this.flushed = offset;
          return;
        }
        staged = 0;
      }
    } finally {
      this.stages.give(stage);
    }
  }

  /** Writes what is held back, optionally syncs, and closes; the file then holds exactly what was appended. */
  async finish(sync: boolean): Promise<void> {
    try {
      if (this.stages && this.tailLength > 0) {
        const stage = await this.stages.take();
        try {
          stage.set(this.tail!.subarray(0, this.tailLength));
          stage.fill(0, this.tailLength, DIRECT_IO_ALIGNMENT);
          await writeAt(this.fd, stage, DIRECT_IO_ALIGNMENT, this.flushed);
        } finally {
          this.stages.give(stage);
        }
        await fdCall<void>((cb) => ftruncate(this.fd, this.size, cb));
      }
      if (sync) await fdCall<void>((cb) => fsync(this.fd, cb));
    } finally {
      await this.close();
    }
  }

  /** Closes without writing what is held back: for a file about to be removed. Once only: the fd may be reused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
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
