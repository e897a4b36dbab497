import type { ObjectInfo } from '../../../engine/store/object-store.js';
import { type ApiContext, type OssRequest, type OssResponse, OWNER, XML_HEADERS } from '../context.js';
import { invalidArgument } from '../errors.js';
import { isoSeconds } from '../time.js';
import { type XmlNode, renderXml } from '../xml.js';

interface Listing {
  readonly contents: ObjectInfo[];
  readonly commonPrefixes: string[];
  readonly truncated: boolean;
  /** Last key or common prefix returned; where the next page starts. */
  readonly last: string;
}

// Sorts after every key that starts with a given prefix (byte order of UTF-8; largest code point).
const AFTER_ALL = '\u{10FFFF}';

/** Walks keys after `after`, folding keys that contain `delimiter` past the prefix into common prefixes. */
async function collect(ctx: ApiContext, bucket: string, prefix: string, delimiter: string, after: string, maxKeys: number): Promise<Listing> {
  const contents: ObjectInfo[] = [];
  const commonPrefixes: string[] = [];
  let cursor = after;
  let last = '';
  for (;;) {
    const page = await ctx.objects.list(bucket, { prefix, after: cursor, limit: maxKeys + 1 });
    if (page.length === 0) return { contents, commonPrefixes, truncated: false, last };
    for (const info of page) {
      const cut = delimiter === '' ? -1 : info.key.indexOf(delimiter, prefix.length);
      const entry = cut < 0 ? info.key : info.key.slice(0, cut + delimiter.length);
      // A marker inside a folded group (the previous page ended on that common prefix) skips the group.
      if (cut >= 0 && after.startsWith(entry)) {
        cursor = entry + AFTER_ALL;
        break;
      }
      if (contents.length + commonPrefixes.length === maxKeys) return { contents, commonPrefixes, truncated: true, last };
      last = entry;
      if (cut < 0) {
        contents.push(info);
        cursor = info.key;
      } else {
        commonPrefixes.push(entry);
        cursor = entry + AFTER_ALL;
        break;
      }
    }
    if (page.length <= maxKeys && cursor === page[page.length - 1]!.key) {
      return { contents, commonPrefixes, truncated: false, last };
    }
  }
}

function maxKeysParam(request: OssRequest): number {
  const text = request.query.get('max-keys');
  if (text === undefined || text === '') return 100;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 1000) {
    throw invalidArgument('max-keys must be an integer between 1 and 1000.', undefined, {
      ArgumentName: 'max-keys',
      ArgumentValue: text,
    });
  }
  return Number(text);
}

function encoder(request: OssRequest): (text: string) => string {
  const type = request.query.get('encoding-type');
  if (type === undefined || type === '') return (text) => text;
  if (type !== 'url') throw invalidArgument('encoding-type must be url.', undefined, { ArgumentName: 'encoding-type' });
  return (text) => encodeURIComponent(text);
}

function contentsNode(info: ObjectInfo, encode: (t: string) => string, withOwner: boolean): XmlNode {
  return {
    Key: encode(info.key),
    LastModified: isoSeconds(info.lastModified),
    ETag: `"${info.etag}"`,
    Type: 'Normal',
    Size: info.size,
    StorageClass: 'Standard',
    Owner: withOwner ? OWNER : undefined,
  };
}

/** ListObjects (v1), `GET /`. */
export async function listObjectsV1(ctx: ApiContext, request: OssRequest, bucket: string): Promise<OssResponse> {
  const prefix = request.query.get('prefix') ?? '';
  const marker = request.query.get('marker') ?? '';
  const delimiter = request.query.get('delimiter') ?? '';
  const maxKeys = maxKeysParam(request);
  const encode = encoder(request);
  const listing = await collect(ctx, bucket, prefix, delimiter, marker, maxKeys);
  const body = renderXml('ListBucketResult', {
    Name: bucket,
    Prefix: encode(prefix),
    Marker: encode(marker),
    MaxKeys: maxKeys,
    Delimiter: encode(delimiter),
    EncodingType: request.query.has('encoding-type') ? request.query.get('encoding-type') : undefined,
    IsTruncated: String(listing.truncated),
    NextMarker: listing.truncated ? encode(listing.last) : undefined,
    Contents: listing.contents.map((info) => contentsNode(info, encode, true)),
    CommonPrefixes: listing.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
  });
  return { status: 200, headers: XML_HEADERS, body };
}

const toToken = (key: string): string => Buffer.from(key, 'utf8').toString('base64url');

function fromToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (toToken(key) !== token) throw invalidArgument('The continuation token is not valid.', undefined, { ArgumentName: 'continuation-token' });
  return key;
}

/** ListObjectsV2, `GET /?list-type=2`; continuation tokens are URL-safe base64 of the last name returned. */
export async function listObjectsV2(ctx: ApiContext, request: OssRequest, bucket: string): Promise<OssResponse> {
  const q = request.query;
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const startAfter = q.get('start-after') ?? '';
  const token = q.get('continuation-token') ?? '';
  const maxKeys = maxKeysParam(request);
  const encode = encoder(request);
  const after = token !== '' ? fromToken(token) : startAfter;
  const listing = await collect(ctx, bucket, prefix, delimiter, after, maxKeys);
  const withOwner = q.get('fetch-owner') === 'true';
  const body = renderXml('ListBucketResult', {
    Name: bucket,
    Prefix: encode(prefix),
    StartAfter: startAfter !== '' ? encode(startAfter) : undefined,
    ContinuationToken: token !== '' ? token : undefined,
    MaxKeys: maxKeys,
    Delimiter: encode(delimiter),
    EncodingType: q.has('encoding-type') ? q.get('encoding-type') : undefined,
    IsTruncated: String(listing.truncated),
    NextContinuationToken: listing.truncated ? toToken(listing.last) : undefined,
    KeyCount: listing.contents.length + listing.commonPrefixes.length,
    Contents: listing.contents.map((info) => contentsNode(info, encode, withOwner)),
    CommonPrefixes: listing.commonPrefixes.map((p) => ({ Prefix: encode(p) })),
  });
  return { status: 200, headers: XML_HEADERS, body };
}
