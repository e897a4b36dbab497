import { invalidArgument } from './errors.js';

/** Decoded query parameters; a bare flag (`?live`) and an empty value (`?live=`) both map to ''. */
export type Query = ReadonlyMap<string, string>;

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    throw invalidArgument(`Malformed percent-encoding in the query: ${text}`);
  }
}

/** First occurrence of a name wins; the SDKs never repeat a parameter. */
export function parseQuery(raw: string): Query {
  const query = new Map<string, string>();
  if (raw === '') return query;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const name = formDecode(eq < 0 ? part : part.slice(0, eq));
    if (!query.has(name)) query.set(name, eq < 0 ? '' : formDecode(part.slice(eq + 1)));
  }
  return query;
}
