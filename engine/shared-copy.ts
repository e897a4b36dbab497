/**
 * V8 copies into and out of SharedArrayBuffer memory with relaxed atomic moves, byte by byte when the two
 * sides are not equally aligned: a 64 KiB frame took 18 µs instead of 1.3, and such copies were 14 % of
 * a K = 16 ingest's CPU. Buffer#fill with a buffer value is one memcpy in Node's C++, whatever the
 * memory; its call costs more than the copy below this many bytes.
 */
const FILL_FROM = 128;
const fill = Buffer.prototype.fill;

/** `target.set(source, offset)` at memcpy speed, for views of shared memory as of any other. */
export function copyBytes(target: Uint8Array, offset: number, source: Uint8Array): void {
  if (source.length < FILL_FROM) target.set(source, offset);
  else fill.call(target as Buffer, source, offset, offset + source.length);
}
