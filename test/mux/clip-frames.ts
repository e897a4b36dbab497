import { readFlvTags } from '../../engine/flv/flv-file.js';
import { FlvIngest, newPublishStats } from '../../engine/ingest/flv-ingest.js';
import type { ChannelSink } from '../../engine/ingest/sink.js';
import type { AacConfig, AvcConfig, MediaFrame } from '../../engine/media/types.js';

export interface ClipFrames {
  readonly video: AvcConfig | undefined;
  readonly audio: AacConfig | undefined;
  readonly frames: readonly MediaFrame[];
}

/** The frames of an FLV file as ingest hands them to a sink (configs from the last sequence headers). */
export async function readClipFrames(path: string): Promise<ClipFrames> {
  const frames: MediaFrame[] = [];
  let video: AvcConfig | undefined;
  let audio: AacConfig | undefined;
  const sink: ChannelSink = {
    configure(v, a) {
      video = v;
      audio = a;
    },
    write(batch) {
      frames.push(...batch);
      return true;
    },
    close: async () => undefined,
  };
  const ingest = new FlvIngest(sink, newPublishStats());
  for await (const tag of readFlvTags(path)) ingest.push(tag.type, tag.timestamp, tag.body);
  ingest.flush();
  return { video, audio, frames };
}

/** Splits frames into batches of `size`, with a cut before every video key frame but the first. */
export function keyframeBatches(frames: readonly MediaFrame[], size: number): { frames: MediaFrame[]; cuts: number[] }[] {
  const batches: { frames: MediaFrame[]; cuts: number[] }[] = [];
  let seenKey = false;
  for (let start = 0; start < frames.length; start += size) {
    const batch = frames.slice(start, start + size);
    const cuts: number[] = [];
    batch.forEach((f, i) => {
      if (f.track === 'video' && f.keyframe) {
        if (seenKey) cuts.push(i);
        seenKey = true;
      }
    });
    batches.push({ frames: batch, cuts });
  }
  return batches;
}
