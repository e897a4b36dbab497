/** XML timestamps: oss2 accepts only a literal `.000Z` fraction. */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString();
}

/** RFC 1123 with a two-digit day, as oss2's strict Last-Modified parser wants. */
export function httpDate(epochMs: number): string {
  return new Date(epochMs).toUTCString();
}
