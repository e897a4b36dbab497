import type { SegmentRecord } from '../store/metadata-store.js';
import { extinf, minTargetDuration, segmentUri } from './playlist-format.js';

/**
 * The VOD playlist of PostVodPlaylist / GetVodPlaylist over stored segments (oldest first), in the OSS
 * layout: version 3, media sequence 0, one `#EXTINF:x.xxx,` per segment, `#EXT-X-ENDLIST`. Breaks between
 * pushes (or after a lost segment) keep their EXT-X-DISCONTINUITY so players reset their decoders.
 */
export function renderVodPlaylist(segments: readonly SegmentRecord[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-MEDIA-SEQUENCE:0'];
  lines.push(`#EXT-X-TARGETDURATION:${minTargetDuration(segments.map((s) => s.durationMs))}`);
  segments.forEach((segment, i) => {
    if (segment.discontinuity && i > 0) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(extinf(segment.durationMs), segmentUri(segment.key));
  });
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}
