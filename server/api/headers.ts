/** Request headers as Node gives them: lower-cased names, values decoded as latin1 (one char per byte). */
export type Headers = Readonly<Record<string, string | string[] | undefined>>;

// SDKs send non-ASCII header values (x-oss-meta-*) as UTF-8 bytes and sign those bytes.
const NON_ASCII = /[^\x00-\x7f]/;

/** One header's value as text (UTF-8 bytes decoded); a repeated header is joined with commas. */
export function header(source: { readonly headers: Headers }, name: string): string | undefined {
  const value = source.headers[name];
  const text = Array.isArray(value) ? value.join(',') : value;
  return text !== undefined && NON_ASCII.test(text) ? Buffer.from(text, 'latin1').toString('utf8') : text;
}

/** A header value for Node's writer, which sends one byte per char: UTF-8 text becomes its bytes. */
export function headerBytes(text: string): string {
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}
