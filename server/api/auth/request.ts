import { type Headers, header } from '../headers.js';
import type { Query } from '../query.js';

/** What authentication needs to know about a request, independent of the HTTP framework. */
export interface AuthRequest {
  readonly method: string;
  /** undefined = service level. */
  readonly bucket: string | undefined;
  /** Decoded object key; '' at bucket level. */
  readonly key: string;
  readonly query: Query;
  readonly headers: Headers;
  /** Epoch ms. */
  readonly now: number;
}

/** `x-oss-*` headers, trimmed, sorted by name. */
export function ossHeaders(request: AuthRequest): [string, string][] {
  const out: [string, string][] = [];
  for (const name of Object.keys(request.headers)) {
    if (name.startsWith('x-oss-')) out.push([name, (header(request, name) ?? '').trim()]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

export const MAX_SKEW_MS = 15 * 60 * 1000;
