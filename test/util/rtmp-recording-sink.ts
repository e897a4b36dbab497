import type { ChannelSink, EndReason, PublishSession, SinkFactory } from '../../engine/ingest/sink.js';
import type { AacConfig, AvcConfig, MediaFrame } from '../../engine/media/types.js';

/** A ChannelSink that keeps everything it is given, for assertions. */
export class RecordingSink implements ChannelSink {
  readonly frames: MediaFrame[] = [];
  readonly configs: { video: AvcConfig | undefined; audio: AacConfig | undefined }[] = [];
  readonly batchSizes: number[] = [];
  closedWith: EndReason | undefined;
  private readonly closeWaiters: (() => void)[] = [];

  constructor(readonly session?: PublishSession) {}

  configure(video: AvcConfig | undefined, audio: AacConfig | undefined): void {
    this.configs.push({ video, audio });
  }

  write(frames: readonly MediaFrame[]): boolean {
    this.batchSizes.push(frames.length);
    for (const f of frames) this.frames.push(f);
    return true;
  }

  close(reason: EndReason): Promise<void> {
    this.closedWith = reason;
    for (const w of this.closeWaiters.splice(0)) w();
    return Promise.resolve();
  }

  /** Resolves once close() was called. */
  closed(): Promise<EndReason> {
    if (this.closedWith) return Promise.resolve(this.closedWith);
    return new Promise((resolve) => this.closeWaiters.push(() => resolve(this.closedWith!)));
  }

  get video(): MediaFrame[] {
    return this.frames.filter((f) => f.track === 'video');
  }

  get audio(): MediaFrame[] {
    return this.frames.filter((f) => f.track === 'audio');
  }
}

/** A SinkFactory recording every publish's sink, keyed by `bucket/channel` (latest publish wins). */
export function recordingSinkFactory(): { factory: SinkFactory; sinks: Map<string, RecordingSink>; waitFor(key: string): Promise<RecordingSink> } {
  const sinks = new Map<string, RecordingSink>();
  const waiters = new Map<string, ((s: RecordingSink) => void)[]>();
  return {
    sinks,
    factory: (session) => {
      const sink = new RecordingSink(session);
      const key = `${session.bucket}/${session.channel}`;
      sinks.set(key, sink);
      for (const w of waiters.get(key)?.splice(0) ?? []) w(sink);
      return sink;
    },
    waitFor: (key) => {
      const existing = sinks.get(key);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve) => {
        const list = waiters.get(key) ?? [];
        list.push(resolve);
        waiters.set(key, list);
      });
    },
  };
}
