/**
 * Small enough that a real-time publish keeps about two slabs resident (one filling, one waiting for its
 * frames to be muxed), which is most of ingest's memory per live channel.
 */
const SLAB_SIZE = 128 * 1024;
/** Bodies this large (keyframes) get their own allocation: carving them would strand most of a slab. */
const LARGE = SLAB_SIZE / 2;
/** Full slabs waiting for their consumer; beyond this many the oldest is left to the GC. */
const MAX_RETIRED = 32;

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

  constructor(private readonly progress: () => number = NO_PROGRESS) {}

  alloc(length: number): Buffer {
    if (length >= LARGE) return Buffer.allocUnsafeSlow(length);
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

  private nextSlab(full: Slab | undefined): Slab {
    if (full) {
      this.retired.push(full);
      if (this.retired.length > MAX_RETIRED) this.slabs.delete(this.retired.shift()!.bytes.buffer);
    }
    const progress = this.progress();
    const free = this.retired.findIndex((s) => s.open === 0 && s.mark <= progress);
    if (free >= 0) {
      const slab = this.retired.splice(free, 1)[0]!;
      slab.used = 0;
      slab.mark = -Infinity;
      return slab;
    }
    const slab: Slab = { bytes: Buffer.allocUnsafeSlow(SLAB_SIZE), used: 0, open: 0, mark: -Infinity };
    this.slabs.set(slab.bytes.buffer, slab);
    return slab;
  }
}
