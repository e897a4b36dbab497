import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsObjectStore } from '../../engine/store/fs-object-store.js';
import { SqliteMetadataStore } from '../../engine/store/sqlite-metadata-store.js';
import { decode } from '../../test/util/media.js';
import { countTsFrames } from './ts-frames.js';

/** Segments of one channel, in order. */
export type ChannelSegments = Buffer[];

/** Every segment livebucket indexed for each channel, read from its (stopped) data dir. */
export async function livebucketSegments(dataDir: string, bucket: string, channels: readonly string[]): Promise<Map<string, ChannelSegments>> {
  const objects = FsObjectStore.open(join(dataDir, 'objects'));
  const meta = SqliteMetadataStore.open(join(dataDir, 'meta.db'));
  try {
    const out = new Map<string, ChannelSegments>();
    for (const channel of channels) {
      const segments: Buffer[] = [];
      for (const record of meta.listSegments(bucket, channel, 0, Number.MAX_SAFE_INTEGER)) {
        const read = await objects.readAll(bucket, record.key);
        if (read) segments.push(read.body);
      }
      out.set(channel, segments);
    }
    return out;
  } finally {
    meta.close();
    await objects.close();
  }
}

/** The fragments nginx-rtmp listed in each stream's playlist (hls_nested, nothing cleaned up). */
export function nginxSegments(hlsDir: string, streams: readonly string[]): Map<string, ChannelSegments> {
  const out = new Map<string, ChannelSegments>();
  for (const stream of streams) {
    const playlist = join(hlsDir, stream, 'index.m3u8');
    const names = existsSync(playlist)
      ? readFileSync(playlist, 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'))
      : [];
    out.set(stream, names.map((n) => readFileSync(join(hlsDir, stream, n))));
  }
  return out;
}

/** Decodes segments as a VOD playlist of them, the way a player would read them in order. */
async function decodeSegments(segments: readonly Buffer[], scratch: string): Promise<{ errors: string; videoFrames: number }> {
  const dir = mkdtempSync(join(scratch, 'decode-'));
  try {
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:30', '#EXT-X-MEDIA-SEQUENCE:0'];
    for (const [i, segment] of segments.entries()) {
      writeFileSync(join(dir, `${i}.ts`), segment);
      lines.push('#EXTINF:2.0,', `${i}.ts`);
    }
    lines.push('#EXT-X-ENDLIST', '');
    writeFileSync(join(dir, 'all.m3u8'), lines.join('\n'));
    return await decode(join(dir, 'all.m3u8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface OutputCheck {
  readonly ok: boolean;
  readonly note: string;
}

/**
 * Segments of the first channel that ffmpeg decodes by default: 80 s of media. Decoding all of it
 * (ffmpeg, then ffprobe counting frames) took minutes at K = 1, where one channel holds the whole run.
 */
const DECODED_SEGMENTS = 40;

/**
 * Every channel holds exactly the video frames its publisher pushed (counted in the TS), and the first
 * channel's first `decodedSegments` segments decode with no ffmpeg error and as many frames as they hold.
 */
export async function checkOutput(
  output: Map<string, ChannelSegments>,
  pushed: ReadonlyMap<string, number>,
  scratch: string,
  decodedSegments = DECODED_SEGMENTS,
): Promise<OutputCheck> {
  const problems: string[] = [];
  for (const [channel, frames] of pushed) {
    const count = countTsFrames(output.get(channel) ?? []);
    if (count.badPackets > 0) problems.push(`${channel}: ${count.badPackets} bad TS packets`);
    if (count.videoFrames !== frames) problems.push(`${channel}: ${count.videoFrames}/${frames} frames`);
  }
  const [first] = pushed.keys();
  const sample = first === undefined ? [] : (output.get(first) ?? []).slice(0, decodedSegments);
  if (first !== undefined) {
    const decoded = await decodeSegments(sample, scratch);
    const inTs = countTsFrames(sample).videoFrames;
    if (decoded.errors) problems.push(`${first}: decode errors: ${decoded.errors.split('\n')[0]}`);
    if (decoded.videoFrames !== inTs) problems.push(`${first}: decoded ${decoded.videoFrames}/${inTs} frames`);
  }
  if (problems.length === 0) return { ok: true, note: `${pushed.size} channels complete, ${sample.length} segments of ${first} decoded clean` };
  return { ok: false, note: `${problems.length} problems, e.g. ${problems.slice(0, 3).join('; ')}` };
}
