/**
 * One `Range: bytes=…` as an inclusive [start, end], or undefined to answer with the whole object: OSS
 * ignores ranges it cannot satisfy (malformed, multiple, beyond the end) and replies 200.
 */
export function parseRange(header: string | undefined, size: number): [number, number] | undefined {
  if (header === undefined || size === 0) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return undefined;
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return undefined;
  return [start, end];
}
