import type { ChunkedClip, ChunkRun } from './chunked-clip.js';
import { RtmpPublisher, type PublishTarget } from './rtmp-publisher.js';

/** Publishers are fed every tick with what their clock says is due (one socket write each). */
const TICK_MS = 20;
/**
 * A publisher whose unsent backlog passes this is stalled: the server is not keeping up. Real time: about
 * 3 s of a 2.5 Mbit/s stream (an encoder would be dropping frames by then); fast: generous, as expected.
 */
const STALL_BYTES = { realtime: 1 << 20, fast: 8 << 20 } as const;

export interface LoadOptions {
  readonly clip: ChunkedClip;
  readonly targets: readonly PublishTarget[];
  /** 'realtime': each message when its timestamp is due; 'fast': as fast as the server reads. */
  readonly pace: 'realtime' | 'fast';
  /** realtime: wall-clock seconds of pushing per publisher. */
  readonly seconds?: number;
  /** fast: whole clip loops per publisher. */
  readonly loops?: number;
  /** realtime: spread publisher clocks over this many ms so keyframes do not all arrive at once. */
  readonly staggerMs?: number;
  /** realtime: ends every publish early (at a message boundary). */
  readonly signal?: AbortSignal;
}

export interface PublisherResult {
  readonly stream: string;
  readonly bytes: number;
  readonly videoFrames: number;
  /** Ticks at which the publisher could not write what was due (server back-pressure). */
  readonly stalls: number;
  readonly error: string | undefined;
}

export interface LoadResult {
  readonly publishers: PublisherResult[];
  readonly bytes: number;
  readonly seconds: number;
}

class PublisherState {
  run: ChunkRun;
  loop = 0;
  index = 0;
  bytes = 0;
  videoFrames = 0;
  stalls = 0;
  error: string | undefined;
  done = false;

  constructor(
    readonly publisher: RtmpPublisher,
    readonly streamId: number,
    readonly stream: string,
    readonly clip: ChunkedClip,
    readonly startAt: number,
    private readonly stallBytes: number,
  ) {
    this.run = clip.head;
    publisher.socket.on('error', (e) => {
      this.error ??= e.message;
      this.done = true;
    });
    publisher.socket.on('close', () => {
      if (!this.done) this.error ??= 'server closed the connection';
      this.done = true;
    });
  }

  /** Writes every message due by `elapsedMs` (or everything left of the loop when undefined). */
  pump(elapsedMs: number | undefined, lastLoop: number): boolean {
    const socket = this.publisher.socket;
    if (this.done) return true;
    if (socket.writableLength > this.stallBytes) {
      this.stalls++;
      return false;
    }
    let wrote = true;
    for (;;) {
      const run = this.run;
      const base = this.loop * this.clip.loopMs;
      let end = this.index;
      const count = run.ends.length;
      if (elapsedMs === undefined) end = count;
      else while (end < count && base + run.times[end]! <= elapsedMs) end++;
      if (end > this.index) {
        const from = this.index === 0 ? 0 : run.ends[this.index - 1]!;
        const to = run.ends[end - 1]!;
        wrote = socket.write(run.bytes.subarray(from, to));
        this.bytes += to - from;
        this.videoFrames += run.videoBefore[end]! - run.videoBefore[this.index]!;
        this.index = end;
      }
      if (this.index < count) return wrote;
      if (this.loop >= lastLoop) {
        this.done = true;
        return wrote;
      }
      this.loop++;
      this.index = 0;
      this.run = this.clip.loop;
      if (elapsedMs === undefined) return wrote;
    }
  }

  result(): PublisherResult {
    return { stream: this.stream, bytes: this.bytes, videoFrames: this.videoFrames, stalls: this.stalls, error: this.error };
  }
}

/** Opens every publish (a few at a time), returns once all have reached NetStream.Publish.Start. */
async function openAll(options: LoadOptions): Promise<{ publisher: RtmpPublisher; streamId: number; stream: string }[]> {
  const opened: { publisher: RtmpPublisher; streamId: number; stream: string }[] = [];
  const queue = [...options.targets];
  const worker = async (): Promise<void> => {
    for (let target = queue.shift(); target; target = queue.shift()) {
      const stream = target.stream;
      const { publisher, streamId } = await RtmpPublisher.open(target).catch((error: Error) => {
        throw new Error(`loadgen: publishing ${stream}: ${error.message}`);
      });
      if (streamId !== options.clip.streamId) throw new Error(`loadgen: server gave stream id ${streamId}, clip built for ${options.clip.streamId}`);
      opened.push({ publisher, streamId, stream: target.stream });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(16, queue.length) }, worker));
  } catch (error) {
    for (const o of opened) o.publisher.socket.destroy();
    throw error;
  }
  return opened;
}

/**
 * K publishers replaying one pre-chunked clip. The media bytes are shared by all publishers and written
 * as views (no copy); per publisher only the connection setup differs, so the generator costs a fraction
 * of the server it loads.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const opened = await openAll(options);
  const t0 = performance.now();
  const k = opened.length;
  const stagger = options.pace === 'realtime' ? (options.staggerMs ?? 2000) : 0;
  const states = opened.map((o, i) => new PublisherState(o.publisher, o.streamId, o.stream, options.clip, t0 + (stagger * i) / k, STALL_BYTES[options.pace]));
  if (options.pace === 'realtime') {
    const seconds = options.seconds ?? 10;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        for (const s of states) {
          const elapsed = now - s.startAt;
          if (elapsed < 0 || s.done) continue;
          // Stop at the message due at the deadline: the counts describe exactly what was sent.
          s.pump(Math.min(elapsed, seconds * 1000), Number.MAX_SAFE_INTEGER);
          if (elapsed >= seconds * 1000 || options.signal?.aborted) s.done = true;
        }
        if (states.every((s) => s.done)) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });
  } else {
    const loops = options.loops ?? 3;
    await Promise.all(
      states.map(
        (s) =>
          new Promise<void>((resolve) => {
            const socket = s.publisher.socket;
            const step = (): void => {
              while (!s.done) {
                if (!s.pump(undefined, loops - 1) && !s.done) {
                  socket.once('drain', step);
                  return;
                }
              }
              resolve();
            };
            socket.on('close', () => resolve());
            step();
          }),
      ),
    );
  }
  // Let the queued bytes reach the server before ending each publish.
  await Promise.all(
    states.map(
      (s) =>
        new Promise<void>((resolve) => {
          const socket = s.publisher.socket;
          if (socket.destroyed || socket.writableLength === 0) return resolve();
          socket.once('drain', () => resolve());
          socket.once('close', () => resolve());
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const s of states) s.publisher.finish(s.streamId);
  const publishers = states.map((s) => s.result());
  return { publishers, bytes: publishers.reduce((n, p) => n + p.bytes, 0), seconds };
}
