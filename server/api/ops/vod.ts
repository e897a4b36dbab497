import { renderVodPlaylist } from '../../../engine/hls/vod-playlist.js';
import { md5Etag } from '../../../engine/store/etag.js';
import type { SegmentRecord } from '../../../engine/store/metadata-store.js';
import { type ApiContext, type OssRequest, type OssResponse } from '../context.js';
import { invalidArgument } from '../errors.js';
import { checkChannelName } from '../names.js';
import { checkPlaylistName } from './live-channel-config.js';

const MAX_SPAN_SECONDS = 86_400;
const PLAYLIST_TYPE = 'application/x-mpegURL';

function epochSeconds(request: OssRequest, name: 'startTime' | 'endTime'): number {
  const text = request.query.get(name) ?? '';
  if (!/^\d{1,12}$/.test(text)) {
    throw invalidArgument(`${name} must be a Unix time in seconds.`, name === 'startTime' ? '0044-00000304' : undefined, {
      ArgumentName: name,
      ArgumentValue: text,
    });
  }
  return Number(text);
}

/**
 * Stored segments whose start lies in [startTime, endTime] (inclusive, compared in ms). The channel record is
 * not required: segments outlive a deleted channel, and ali-oss's own test expects 0044-00000308, not
 * NoSuchLiveChannel, for a deleted one.
 */
async function selectSegments(ctx: ApiContext, request: OssRequest, bucket: string, channel: string): Promise<SegmentRecord[]> {
  const start = epochSeconds(request, 'startTime');
  const end = epochSeconds(request, 'endTime');
  if (end <= start) throw invalidArgument('endTime must be later than startTime.', undefined, { ArgumentName: 'endTime' });
  if (end - start > MAX_SPAN_SECONDS) {
    throw invalidArgument('The time span must not exceed one day.', undefined, { ArgumentName: 'endTime' });
  }
  const indexed = ctx.meta.listSegments(bucket, channel, start * 1000, end * 1000);
  const segments = await storedOnly(ctx, bucket, indexed);
  if (segments.length === 0) throw invalidArgument('No ts file found in specified time span.', '0044-00000308');
  return segments;
}

const HEAD_BATCH = 64;

/**
 * Drops segments whose objects were deleted (users prune old segments to save space); the segment after
 * a gap gets a discontinuity, as players must reset their decoders there.
 */
async function storedOnly(ctx: ApiContext, bucket: string, indexed: readonly SegmentRecord[]): Promise<SegmentRecord[]> {
  const kept: SegmentRecord[] = [];
  let gap = false;
  for (let i = 0; i < indexed.length; i += HEAD_BATCH) {
    const batch = indexed.slice(i, i + HEAD_BATCH);
    const present = await Promise.all(batch.map((segment) => ctx.objects.head(bucket, segment.key)));
    batch.forEach((segment, j) => {
      if (!present[j]) {
        gap = kept.length > 0;
        return;
      }
      kept.push(gap && !segment.discontinuity ? { ...segment, discontinuity: true } : segment);
      gap = false;
    });
  }
  return kept;
}

/** PostVodPlaylist, `POST /{channel}/{playlist}?vod`: stores `{channel}/{playlist}`. */
export async function postVodPlaylist(ctx: ApiContext, request: OssRequest, bucket: string, key: string): Promise<OssResponse> {
  const slash = key.indexOf('/');
  if (slash < 0) throw invalidArgument('PostVodPlaylist needs /{channel}/{playlist}.', undefined, { ArgumentName: 'playlist' });
  const channel = key.slice(0, slash);
  checkChannelName(channel);
  checkPlaylistName(key.slice(slash + 1));
  const body = renderVodPlaylist(await selectSegments(ctx, request, bucket, channel));
  const info = await ctx.objects.put(bucket, key, Buffer.from(body, 'utf8'), { contentType: PLAYLIST_TYPE });
  return { status: 200, headers: { etag: `"${info.etag}"` } };
}

/** GetVodPlaylist, `GET /{channel}?vod`: the same playlist, returned and not stored. */
export async function getVodPlaylist(ctx: ApiContext, request: OssRequest, bucket: string, channel: string): Promise<OssResponse> {
  checkChannelName(channel);
  const body = renderVodPlaylist(await selectSegments(ctx, request, bucket, channel));
  return { status: 200, headers: { 'content-type': PLAYLIST_TYPE, etag: `"${md5Etag(body)}"` }, body };
}
