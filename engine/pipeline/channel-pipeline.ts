import { performance } from 'node:perf_hooks';
import type { ChannelSink, EndReason } from '../ingest/sink.js';
import type { AacConfig, AvcConfig, MediaFrame } from '../media/types.js';
import type { ChannelMuxer, TsOutput } from '../mux/types.js';
import type { HlsWriter } from '../hls/hls-writer.js';
import { SegmentAssembler } from '../hls/segment-assembler.js';
import type { SegmentBufferPool } from '../hls/segment-buffers.js';
import type { SegmentFile } from '../hls/segment-file.js';
import { Segmenter, type SegmentCut } from '../hls/segmenter.js';

/** Frames batched into one mux() call at most: keeps a backlog from becoming one giant ring write. */
const MAX_MUX_BATCH_BYTES = 1 << 20;
/**
 * Between cuts nobody waits for TS output, so frames are held up to this long (or this many bytes) and
 * muxed together; a batch holding a cut goes at once, so holding never delays a segment. A real-time
 * publish arrives about a frame per socket read, and each pool round trip costs the socket thread tens
 * of microseconds: at 50 ms / 64 KiB, 200 channels made 4000 round trips a second and a cold server
 * (JIT, WASM tiers) fell seconds behind on its first segments; 200 ms / 256 KiB cut that fourfold and
 * raised fast ingest by a fifth.
 */
const HOLD_MS = 200;
const HOLD_BYTES = 256 << 10;

export interface ChannelPipelineOptions {
  readonly muxer: ChannelMuxer;
  readonly writer: HlsWriter;
  /** Where segment buffers come from and go back to (shared by every channel of the process). */
  readonly segmentBuffers: SegmentBufferPool;
  /** Asked as each segment opens: whether to keep its bytes in memory too, for the writer to hand over. */
  readonly keepSegmentBodies: () => boolean;
  readonly fragDurationMs: number;
  /** Unmuxed frame bytes plus segments not yet stored above which write() asks ingest to pause. */
  readonly queuedBytesBound: () => number;
  /** Epoch ms clock, for segment names. */
  readonly now: () => number;
  readonly onDrain: () => void;
  /** Label for log lines. */
  readonly label: string;
}

interface CutAt {
  readonly cut: SegmentCut;
  /** Epoch ms the batch holding the cut frame arrived. */
  readonly arrivedAt: number;
  /** performance.now() at the same moment, for latency. */
  readonly arrivedPerf: number;
}

type QueueItem =
  | { readonly kind: 'configure'; readonly video: AvcConfig | undefined; readonly audio: AacConfig | undefined }
  | { readonly kind: 'frames'; readonly frames: readonly MediaFrame[]; readonly cuts: readonly CutAt[]; readonly bytes: number };

interface OpenSegment {
  readonly discontinuity: boolean;
  readonly file: SegmentFile;
}

/**
 * One publish's path from frames to stored HLS: the segmenter picks cuts as frames arrive, batches queue
 * up and go to the channel's muxer with at most one mux() in flight, TS output is written from the ring
 * straight into the segment's object (and, for a channel served from memory, copied into a buffer too),
 * and the segment is handed to the HLS writer when the next cut (or the end of the publish) closes it.
 * The next mux() waits until the store has the previous output, so a publish holds at most one batch of
 * the ring, and a store slower than the stream pauses the publish.
 * Frames between cuts are held briefly to batch them (HOLD_MS); a batch holding a cut goes at once.
 * Memory is bounded by back-pressure: write() returns false once queued bytes pass the bound, and onDrain
 * fires when they fall to half of it.
 */
export class ChannelPipeline implements ChannelSink {
  private readonly segmenter: Segmenter;
  /** Only while the open segment is kept in memory. */
  private assembler: SegmentAssembler | undefined;
  private readonly queue: QueueItem[] = [];
  private queuedBytes = 0;
  /** Cuts among the queued frames: a queued cut closes a segment, so it is muxed without holding. */
  private queuedCuts = 0;
  private holdTimer: NodeJS.Timeout | undefined;
  private holdExpired = false;
  private muxing = false;
  private saturated = false;
  private failed = false;
  private closing = false;
  private current: OpenSegment | undefined;
  private whenIdle: (() => void) | undefined;
  /** Frames, in write order, that nothing here references any more (muxed or dropped). */
  private releasedFrames = 0;

  constructor(private readonly o: ChannelPipelineOptions) {
    this.segmenter = new Segmenter(o.fragDurationMs);
  }

  configure(video: AvcConfig | undefined, audio: AacConfig | undefined): void {
    if (this.closing || this.failed) return;
    this.segmenter.configure(video !== undefined, video?.frameRate, audio?.sampleRate);
    this.queue.push({ kind: 'configure', video, audio });
    this.pump();
  }

  write(frames: readonly MediaFrame[]): boolean {
    if (this.failed) {
      // Nothing earlier is held either: fail() dropped the queue after the batch in flight settled.
      this.releasedFrames += frames.length;
      return true;
    }
    // Frames after close() are dropped but never counted: earlier ones may still be queued.
    if (this.closing || frames.length === 0) return true;
    const arrivedAt = this.o.now();
    const arrivedPerf = performance.now();
    const cuts = this.segmenter.push(frames).map((cut) => ({ cut, arrivedAt, arrivedPerf }));
    let bytes = 0;
    for (const frame of frames) bytes += frame.data.byteLength;
    this.queue.push({ kind: 'frames', frames, cuts, bytes });
    this.queuedBytes += bytes;
    this.queuedCuts += cuts.length;
    this.pump();
    if (this.pendingBytes() > this.o.queuedBytesBound()) this.saturated = true;
    return !this.saturated;
  }

  async close(_reason: EndReason): Promise<void> {
    this.closing = true;
    this.pump();
    if (this.muxing || this.queue.length > 0) await new Promise<void>((resolve) => (this.whenIdle = resolve));
    const durationMs = this.segmenter.finish();
    if (this.current && durationMs !== undefined && !this.failed) this.closeSegment(durationMs, performance.now());
    this.dropOpenSegment();
    this.assembler?.dispose();
    this.assembler = undefined;
    await this.o.writer.idle();
  }

  released(): number {
    return this.releasedFrames;
  }

  /** Called by the writer as segments get stored. */
  storedProgress(): void {
    if (this.saturated && this.pendingBytes() <= this.o.queuedBytesBound() / 2) {
      this.saturated = false;
      this.o.onDrain();
    }
  }

  private pendingBytes(): number {
    return this.queuedBytes + this.o.writer.pendingBytes;
  }

  private pump(): void {
    if (this.muxing) return;
    while (this.queue[0]?.kind === 'configure') {
      const item = this.queue.shift() as Extract<QueueItem, { kind: 'configure' }>;
      this.o.muxer.configure(item.video, item.audio);
    }
    if (this.queue.length === 0) {
      this.whenIdle?.();
      return;
    }
    if (this.hold()) return;
    const { frames, cuts, bytes } = this.takeBatch();
    this.muxing = true;
    this.o.muxer
      .mux(frames, cuts.map((c) => c.cut.index))
      .then((output) => this.consume(output, cuts))
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.muxing = false;
        this.releasedFrames += frames.length;
        this.queuedBytes -= bytes;
        this.storedProgress();
        this.pump();
      });
  }

  /** Whether to leave the queued frames for a later, larger batch (arming the timer that ends the wait). */
  private hold(): boolean {
    const urgent = this.closing || this.queuedCuts > 0 || this.queuedBytes >= HOLD_BYTES || this.queue[0]!.kind !== 'frames';
    if (urgent || this.holdExpired) {
      this.holdExpired = false;
      clearTimeout(this.holdTimer);
      this.holdTimer = undefined;
      return false;
    }
    this.holdTimer ??= setTimeout(() => {
      this.holdTimer = undefined;
      this.holdExpired = true;
      this.pump();
    }, HOLD_MS);
    return true;
  }

  /** Consecutive frame batches merged into one, their cut indices shifted accordingly. */
  private takeBatch(): { frames: readonly MediaFrame[]; cuts: CutAt[]; bytes: number } {
    const first = this.queue.shift() as Extract<QueueItem, { kind: 'frames' }>;
    this.queuedCuts -= first.cuts.length;
    if (this.queue[0]?.kind !== 'frames') return { frames: first.frames, cuts: [...first.cuts], bytes: first.bytes };
    const frames = [...first.frames];
    const cuts = [...first.cuts];
    let bytes = first.bytes;
    for (let next = this.queue[0]; next?.kind === 'frames' && bytes + next.bytes <= MAX_MUX_BATCH_BYTES; next = this.queue[0]) {
      this.queue.shift();
      this.queuedCuts -= next.cuts.length;
      for (const c of next.cuts) cuts.push({ ...c, cut: { ...c.cut, index: c.cut.index + frames.length } });
      for (const frame of next.frames) frames.push(frame);
      bytes += next.bytes;
    }
    return { frames, cuts, bytes };
  }

  /** Writes a batch's TS into its segments; resolves once the store has it all and the ring record is free. */
  private consume(output: TsOutput, cuts: readonly CutAt[]): Promise<void> {
    const written: Promise<void>[] = [];
    try {
      const { parts } = output;
      if (parts[0]!.byteLength > 0) this.append(parts[0]!, written);
      for (let k = 1; k < parts.length; k++) {
        const at = cuts[k - 1]!;
        if (this.current && at.cut.closedDurationMs !== undefined) this.closeSegment(at.cut.closedDurationMs, at.arrivedPerf);
        this.openSegment(at);
        this.append(parts[k]!, written);
      }
    } catch (error) {
      output.release();
      throw error;
    }
    return Promise.all(written).then(() => output.release());
  }

  private openSegment(at: CutAt): void {
    this.dropOpenSegment();
    if (this.o.keepSegmentBodies()) {
      this.assembler ??= new SegmentAssembler(this.o.segmentBuffers);
    } else {
      this.assembler?.dispose();
      this.assembler = undefined;
    }
    this.current = { discontinuity: at.cut.discontinuity, file: this.o.writer.openSegment(at.arrivedAt) };
  }

  /** A segment left open with nothing to close it (the publish failed or ended without a duration). */
  private dropOpenSegment(): void {
    if (this.current) void this.current.file.abort();
    this.current = undefined;
  }

  private append(part: Uint8Array, written: Promise<void>[]): void {
    if (!this.current) return;
    this.assembler?.append(part);
    written.push(this.current.file.append(part));
  }

  private closeSegment(durationMs: number, closedAt: number): void {
    const open = this.current!;
    this.current = undefined;
    const kept = this.assembler?.take();
    this.o.writer.enqueue({
      file: open.file,
      body: kept?.body,
      owner: kept?.owner,
      durationMs,
      discontinuity: open.discontinuity,
      closedAt,
      // Defined: the segmenter fixes it when it closes its first segment, before any segment reaches here.
      targetDurationS: this.segmenter.targetDurationS!,
    });
  }

  /** A muxer failure ends this publish's output; what is stored stays listed, the rest is dropped. */
  private fail(error: unknown): void {
    console.error(`livebucket: muxing ${this.o.label} failed, dropping the rest of the publish: ${String(error)}`);
    this.failed = true;
    for (const item of this.queue.splice(0)) {
      if (item.kind !== 'frames') continue;
      this.queuedBytes -= item.bytes;
      this.releasedFrames += item.frames.length;
    }
    this.queuedCuts = 0;
    this.dropOpenSegment();
  }
}
