/**
 * Small enough that a real-time publish keeps about two slabs resident (one filling, one waiting for its
 * frames to be muxed), which is most of ingest's memory per live channel.
 */
const SLAB_SIZE = 128 * 1024;
/** Bodies this large (keyframes) get their own allocation: carving them would strand most of a slab. */
const LARGE = SLAB_SIZE / 2;
/** Full slabs waiting for their consumer; beyond this many the oldest is left to the GC. */
const MAX_RETIRED = 32;
/** Free slabs kept for the next sessions, over all of them: 32 MiB. */
const MAX_SPARE = 256;

/**
 * Free slabs that ended publishes leave for later ones, process-wide. A publish of a few seconds (a test
 * push, an encoder reconnecting) otherwise allocates every slab fresh: new pages, and external memory that
 * makes V8 scavenge every few tens of megabytes, promoting whatever happens to be in flight.
 */
export class SpareSlabs {
  private readonly free: Buffer[] = [];

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafeSlow(SLAB_SIZE);
  }

  give(slab: Buffer): void {
    if (this.free.length < MAX_SPARE) this.free.push(slab);
  }
}

const SHARED_SPARES = new SpareSlabs();

interface Slab {
  readonly bytes: Buffer;
  used: number;
  /** Bodies carved from it and not yet settled. */
  open: number;
  /** Consumer progress at which nothing carved from it is referenced any more. */
  mark: number;
}

/** Consumer progress that is never reached: bodies of a consumer that does not report progress are never reused. */
export const NO_PROGRESS = (): number => -Infinity;

/**
 * Memory for incoming message bodies, carved from 128 KiB slabs. A slab is reused once every body in it
 * is settled (its message handled) and the consumer's progress has passed the marks those bodies were
 * settled with: frame payloads are views of their bodies and live until the muxer has copied them, which
 * the consumer reports as progress. Reuse keeps ingest from touching fresh pages (a page fault per 4 KiB
 * on this path was a tenth of the server's CPU). Without progress reports nothing is reused and every
 * body stays valid for as long as anything references it.
 */
export class MessageArena {
  private current: Slab | undefined;
  private readonly retired: Slab[] = [];
  private readonly slabs = new Map<ArrayBufferLike, Slab>();

  constructor(
    private readonly progress: () => number = NO_PROGRESS,
    private readonly spares: SpareSlabs = SHARED_SPARES,
  ) {}

  alloc(length: number): Buffer {
    if (length > SLAB_SIZE) return Buffer.allocUnsafeSlow(length);
    if (length >= LARGE) return this.allocWhole(length);
    let slab = this.current;
    if (!slab || slab.used + length > SLAB_SIZE) slab = this.current = this.nextSlab(slab);
    slab.open++;
    const body = slab.bytes.subarray(slab.used, slab.used + length);
    slab.used += length;
    return body;
  }

  /**
   * The message in `body` has been handled; whatever was derived from it (frames) is unreferenced once the
   * consumer's progress reaches `mark`. Call exactly once per body from alloc(); unknown bodies are ignored.
   */
  settle(body: Uint8Array, mark: number): void {
    const slab = this.slabs.get(body.buffer);
    if (!slab) return;
    slab.open--;
    if (mark > slab.mark) slab.mark = mark;
  }

  /**
   * The consumer is gone and reports no more progress: slabs whose bodies are all settled and behind
   * `finalProgress` go to the spares of later sessions. Nothing is allocated from this arena afterwards.
   */
  recycle(finalProgress: number): void {
    if (this.current) this.retired.push(this.current);
    this.current = undefined;
    for (const slab of this.retired.splice(0)) {
      if (slab.open === 0 && slab.mark <= finalProgress) this.spares.give(slab.bytes);
    }
    this.slabs.clear();
  }

  /** A keyframe-sized body in a slab of its own, retired at once: reused like any slab once released. */
  private allocWhole(length: number): Buffer {
    const slab = this.freeSlab();
    slab.used = SLAB_SIZE;
    slab.open = 1;
    this.retire(slab);
    return slab.bytes.subarray(0, length);
  }

  private nextSlab(full: Slab | undefined): Slab {
    if (full) this.retire(full);
    return this.freeSlab();
  }

  private retire(slab: Slab): void {
    this.retired.push(slab);
    if (this.retired.length > MAX_RETIRED) this.slabs.delete(this.retired.shift()!.bytes.buffer);
  }

  /** A released retired slab, else a spare one, else a new one. */
  private freeSlab(): Slab {
    const progress = this.progress();
    const free = this.retired.findIndex((s) => s.open === 0 && s.mark <= progress);
    if (free >= 0) {
      const slab = this.retired.splice(free, 1)[0]!;
      slab.used = 0;
      slab.mark = -Infinity;
      return slab;
    }
    const slab: Slab = { bytes: this.spares.take(), used: 0, open: 0, mark: -Infinity };
    this.slabs.set(slab.bytes.buffer, slab);
    return slab;
  }
}
