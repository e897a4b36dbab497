import type { ObjectInfo } from '../../../engine/store/object-store.js';
import { type ApiContext, type OssRequest, type OssResponse } from '../context.js';
import { header } from '../headers.js';
import { noSuchKey } from '../errors.js';
import { headerBytes } from '../headers.js';
import type { Query } from '../query.js';
import { httpDate } from '../time.js';
import { checkConditions } from './conditional.js';
import { parseRange } from './range.js';

const RESPONSE_OVERRIDES: readonly [string, string][] = [
  ['response-content-type', 'content-type'],
  ['response-content-language', 'content-language'],
  ['response-expires', 'expires'],
  ['response-cache-control', 'cache-control'],
  ['response-content-disposition', 'content-disposition'],
  ['response-content-encoding', 'content-encoding'],
];

/** GET/HEAD headers of an object; `response-*` query parameters override them. */
export function objectHeaders(info: ObjectInfo, request: { readonly query: Query }): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': headerBytes(info.contentType),
    etag: `"${info.etag}"`,
    'last-modified': httpDate(info.lastModified),
    'accept-ranges': 'bytes',
    'x-oss-object-type': 'Normal',
    'x-oss-storage-class': 'Standard',
  };
  for (const [name, value] of Object.entries(info.headers)) headers[name] = headerBytes(value);
  for (const [name, value] of Object.entries(info.userMeta)) headers[`x-oss-meta-${name}`] = headerBytes(value);
  for (const [param, name] of RESPONSE_OVERRIDES) {
    const value = request.query.get(param);
    if (value !== undefined && value !== '') headers[name] = headerBytes(value);
  }
  return headers;
}

function notModified(info: ObjectInfo): OssResponse {
  return { status: 304, headers: { etag: `"${info.etag}"`, 'last-modified': httpDate(info.lastModified) } };
}

/** GetObject: one byte range (206), conditional requests (304/412), response-* overrides. */
export async function getObject(ctx: ApiContext, request: OssRequest, bucket: string, key: string, known?: ObjectInfo): Promise<OssResponse> {
  const info = known ?? (await ctx.objects.head(bucket, key));
  if (!info) throw noSuchKey(key);
  if (checkConditions(request, info)) return notModified(info);
  const range = parseRange(header(request, 'range'), info.size);
  let read = await ctx.objects.read(bucket, key, range);
  if (read && range && read.info.size !== info.size) {
    // Replaced between head and read: the range was checked against the old size; send the new whole.
    read.body.destroy();
    read = await ctx.objects.read(bucket, key);
    return objectResponse(request, key, read, 200);
  }
  return objectResponse(request, key, read, range ? 206 : 200, range);
}

function objectResponse(
  request: OssRequest,
  key: string,
  read: Awaited<ReturnType<ApiContext['objects']['read']>>,
  status: number,
  range?: readonly [number, number],
): OssResponse {
  if (!read) throw noSuchKey(key);
  const headers = objectHeaders(read.info, request);
  if (range) {
    headers['content-range'] = `bytes ${range[0]}-${range[1]}/${read.info.size}`;
    headers['content-length'] = String(range[1] - range[0] + 1);
  } else {
    headers['content-length'] = String(read.info.size);
  }
  return { status, headers, body: read.body };
}

/** HeadObject (and `?objectMeta`): the GET headers, no body. */
export async function headObject(ctx: ApiContext, request: OssRequest, bucket: string, key: string, known?: ObjectInfo): Promise<OssResponse> {
  const info = known ?? (await ctx.objects.head(bucket, key));
  if (!info) throw noSuchKey(key);
  if (checkConditions(request, info)) return notModified(info);
  return { status: 200, headers: { ...objectHeaders(info, request), 'content-length': String(info.size) } };
}
