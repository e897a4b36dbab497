/** Capacities are multiples of this, so buffers of similar segments are interchangeable. */
const GRANULE = 64 << 10;
/** A free buffer this many times larger than asked for is not handed out (it would waste resident memory). */
const MAX_SLACK = 2;

const roundUp = (bytes: number): number => Math.max(GRANULE, Math.ceil(bytes / GRANULE) * GRANULE);

/**
 * Recycled buffers for segments being assembled. A fresh megabyte per segment made V8 count it as
 * external memory and run a full GC every few segments, and glibc handed back freshly mapped (faulting,
 * zero-filled) pages each time: reuse removes both. The pool keeps as many bytes as are lent out (the
 * working set of the channels now live), at least `minRetainedBytes`; what comes back beyond that, as
 * channels end, is left to the GC.
 */
export class SegmentBufferPool {
  private readonly free: Buffer[] = [];
  private retained = 0;
  private lent = 0;

  constructor(private readonly minRetainedBytes = 32 << 20) {}

  /** A buffer of at least `minBytes` (contents undefined). */
  take(minBytes: number): Buffer {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.length;
      if (size >= minBytes && size <= minBytes * MAX_SLACK && (best < 0 || size < this.free[best]!.length)) best = i;
    }
    let buffer: Buffer;
    if (best < 0) {
      buffer = Buffer.allocUnsafeSlow(roundUp(minBytes));
    } else {
      buffer = this.free[best]!;
      this.free[best] = this.free[this.free.length - 1]!;
      this.free.pop();
      this.retained -= buffer.length;
    }
    this.lent += buffer.length;
    return buffer;
  }

  give(buffer: Buffer): void {
    this.lent -= buffer.length;
    if (this.retained + buffer.length > Math.max(this.minRetainedBytes, this.lent)) return;
    this.free.push(buffer);
    this.retained += buffer.length;
  }
}

/** Who may keep a segment body past the call that handed it over: each holder retains and later releases. */
export interface BodyOwner {
  /** Keeps the bytes valid until the returned function is called (once). */
  retain(): () => void;
}

/**
 * A segment's bytes in a pooled buffer, shared by the HLS writer (until stored) and whoever retained it
 * (the edge's live cache, a response still being sent); the buffer goes back to the pool when the last
 * holder lets go, never earlier.
 */
export class PooledBody implements BodyOwner {
  private holders = 1;

  constructor(
    private readonly backing: Buffer,
    private readonly pool: SegmentBufferPool,
  ) {}

  retain(): () => void {
    if (this.holders === 0) throw new Error('segment body retained after its release');
    this.holders++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.release();
    };
  }

  /** The creator's hold. */
  release(): void {
    if (--this.holders === 0) this.pool.give(this.backing);
  }
}
