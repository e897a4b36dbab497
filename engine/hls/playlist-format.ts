/** Pieces of m3u8 text shared by the live and the VOD playlist. */

/** `#EXTINF` value: seconds with three decimals, as OSS writes it. */
export function extinf(durationMs: number): string {
  return `#EXTINF:${(durationMs / 1000).toFixed(3)},`;
}

/** Segment URI relative to the playlist, which sits in the same `{channel}/` prefix. */
export function segmentUri(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** Smallest EXT-X-TARGETDURATION that RFC 8216 allows for these durations: max EXTINF rounded to nearest. */
export function minTargetDuration(durationsMs: Iterable<number>): number {
  let target = 1;
  for (const ms of durationsMs) target = Math.max(target, Math.round(ms / 1000));
  return target;
}
