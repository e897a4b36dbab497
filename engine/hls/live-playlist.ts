import { extinf, segmentUri } from './playlist-format.js';

/** A segment as the live playlist lists it. */
export interface ListedSegment {
  readonly key: string;
  /** Epoch ms the segment's first frame arrived: its name and its EXT-X-PROGRAM-DATE-TIME. */
  readonly startTime: number;
  readonly durationMs: number;
  readonly sequence: number;
  readonly discontinuity: boolean;
  /** Discontinuity sequence number of the segment (RFC 8216 6.2.2), counted over the channel's life. */
  readonly discontinuitySequence: number;
}

/**
 * The live playlist over the newest segments (oldest first, at least one). EXT-X-DISCONTINUITY-SEQUENCE is
 * derived from the first listed segment so it stays right as discontinuities scroll out of the window.
 */
export function renderLivePlaylist(targetDurationS: number, segments: readonly ListedSegment[]): string {
  const first = segments[0]!;
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${targetDurationS}`,
    `#EXT-X-MEDIA-SEQUENCE:${first.sequence}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${first.discontinuitySequence - (first.discontinuity ? 1 : 0)}`,
  ];
  for (const segment of segments) {
    if (segment.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(segment.startTime).toISOString()}`);
    lines.push(extinf(segment.durationMs), segmentUri(segment.key));
  }
  lines.push('');
  return lines.join('\n');
}
