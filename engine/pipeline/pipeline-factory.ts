import type { EngineEventBus } from '../events.js';
import { HlsWriter } from '../hls/hls-writer.js';
import { SegmentBufferPool } from '../hls/segment-buffers.js';
import type { ChannelSink, EndReason, SinkFactory } from '../ingest/sink.js';
import type { MuxBackend } from '../mux/types.js';
import type { MetadataStore } from '../store/metadata-store.js';
import type { ObjectStore } from '../store/object-store.js';
import { ChannelPipeline } from './channel-pipeline.js';
import { IngestBudget } from './ingest-budget.js';

/** OSS defaults, for channels published without a LiveChannel record (engine used without the API). */
const DEFAULT_FRAG_DURATION_S = 5;
const DEFAULT_FRAG_COUNT = 3;
/**
 * Bytes waiting per publish (see IngestBudget): 64 MiB shared, at most 4 MiB each (a few seconds of a
 * high-bitrate stream, so a healthy store never pauses a real-time socket), at least 512 KiB each.
 */
const DEFAULT_INGEST_BUDGET_BYTES = 64 << 20;
const DEFAULT_MAX_QUEUED_BYTES = 4 << 20;
const DEFAULT_MIN_QUEUED_BYTES = 512 << 10;

export interface PipelineFactoryOptions {
  readonly backend: MuxBackend;
  readonly objects: ObjectStore;
  readonly meta: MetadataStore;
  readonly events: EngineEventBus;
  /** Epoch ms clock for segment names (default Date.now). */
  readonly now?: () => number;
  /** Back-pressure: bytes waiting over all publishes, shared equally (default 64 MiB). */
  readonly ingestBudgetBytes?: number;
  /** Back-pressure bound per publish, bytes: the most a publish's share can be (default 4 MiB). */
  readonly maxQueuedBytes?: number;
  /** The least a publish's share can be, whatever the number of publishes (default 512 KiB). */
  readonly minQueuedBytes?: number;
}

/**
 * Sinks that turn a publish into HLS objects of its bucket. FragDuration and FragCount are read from the
 * channel's record when the publish starts. A republish waits for the previous publish of the same channel
 * to finish writing before it reads the channel's HLS cursor, so sequence numbers never interleave.
 */
export function createPipelineSinkFactory(options: PipelineFactoryOptions): SinkFactory {
  const now = options.now ?? Date.now;
  /** Per channel: settles when its latest publish has finished writing. */
  const lastWrite = new Map<string, Promise<void>>();
  const segmentBuffers = new SegmentBufferPool();
  const maxQueued = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
  const budget = new IngestBudget(
    options.ingestBudgetBytes ?? DEFAULT_INGEST_BUDGET_BYTES,
    Math.min(options.minQueuedBytes ?? DEFAULT_MIN_QUEUED_BYTES, maxQueued),
    maxQueued,
  );

  return (session, onDrain): ChannelSink => {
    const { bucket, channel } = session;
    const record = options.meta.getChannel(bucket, channel);
    const fragDurationMs = (record?.fragDuration ?? DEFAULT_FRAG_DURATION_S) * 1000;
    const channelKey = `${bucket}/${channel}`;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const previous = lastWrite.get(channelKey) ?? Promise.resolve();
    lastWrite.set(channelKey, done);
    const leaveBudget = budget.join();

    const writer: HlsWriter = new HlsWriter({
      bucket,
      channel,
      playlistName: session.playlistName,
      fragCount: record?.fragCount ?? DEFAULT_FRAG_COUNT,
      objects: options.objects,
      meta: options.meta,
      events: options.events,
      previous,
      onStored: () => pipeline.storedProgress(),
    });
    const pipeline = new ChannelPipeline({
      muxer: options.backend.open(),
      writer,
      segmentBuffers,
      keepSegmentBodies: () => options.events.segmentBodiesWanted(bucket, channel),
      fragDurationMs,
      queuedBytesBound: () => budget.share(),
      now,
      onDrain,
      label: `${channelKey} (${session.id})`,
    });

    return {
      configure: (video, audio) => pipeline.configure(video, audio),
      write: (frames) => pipeline.write(frames),
      released: () => pipeline.released(),
      close: async (reason: EndReason) => {
        try {
          await pipeline.close(reason);
        } finally {
          leaveBudget();
          finished();
          if (lastWrite.get(channelKey) === done) lastWrite.delete(channelKey);
        }
      },
    };
  };
}
