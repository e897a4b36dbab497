import type { ObjectInfo } from '../../../engine/store/object-store.js';
import { type Headers, header } from '../headers.js';
import { OssError } from '../errors.js';

function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
    return tag === '*' || tag.toUpperCase() === etag;
  });
}

/** NaN when absent or unparsable; the date parser is not asked about absent headers (every GET has none). */
const httpDate = (value: string | undefined): number => (value === undefined ? NaN : Date.parse(value));

/** HTTP dates have second precision; compare the object's time at that precision. */
const seconds = (ms: number): number => Math.floor(ms / 1000);

/** 412 for If-Match / If-Unmodified-Since, then `true` (answer 304) for If-None-Match / If-Modified-Since. */
export function checkConditions(request: { readonly headers: Headers }, info: ObjectInfo): boolean {
  const ifMatch = header(request, 'if-match');
  if (ifMatch !== undefined && !etagMatches(ifMatch, info.etag)) throw preconditionFailed('If-Match');
  const ifUnmodified = httpDate(header(request, 'if-unmodified-since'));
  if (Number.isFinite(ifUnmodified) && seconds(info.lastModified) > seconds(ifUnmodified)) {
    throw preconditionFailed('If-Unmodified-Since');
  }
  const ifNoneMatch = header(request, 'if-none-match');
  if (ifNoneMatch !== undefined) return etagMatches(ifNoneMatch, info.etag);
  const ifModified = httpDate(header(request, 'if-modified-since'));
  return Number.isFinite(ifModified) && seconds(info.lastModified) <= seconds(ifModified);
}

function preconditionFailed(condition: string): OssError {
  return new OssError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.', undefined, {
    Condition: condition,
  });
}
