import { type ApiContext, type OssRequest, type OssResponse, XML_HEADERS } from '../context.js';
import { malformedXml } from '../errors.js';
import { checkObjectKey } from '../names.js';
import { parseXmlBody, renderXml } from '../xml.js';
import { verifiedMd5 } from './content-md5.js';

/** DeleteObject: 204 whether or not the object existed. */
export async function deleteObject(ctx: ApiContext, bucket: string, key: string): Promise<OssResponse> {
  await ctx.objects.delete(bucket, key);
  return { status: 204 };
}

const MAX_KEYS_PER_DELETE = 1000;

/** DeleteMultipleObjects, `POST /?delete`. */
export async function deleteMultipleObjects(ctx: ApiContext, request: OssRequest, bucket: string): Promise<OssResponse> {
  if (request.body) verifiedMd5(request, request.body);
  const doc = parseXmlBody(request.body, 'Delete');
  const objects = (doc['Object'] ?? []) as unknown[];
  if (objects.length > MAX_KEYS_PER_DELETE) throw malformedXml();
  const keys = objects.map((o) => {
    const key = typeof o === 'object' && o !== null ? (o as Record<string, unknown>)['Key'] : undefined;
    if (typeof key !== 'string') throw malformedXml();
    checkObjectKey(key);
    return key;
  });
  for (const key of keys) await ctx.objects.delete(bucket, key);
  const quiet = String(doc['Quiet'] ?? 'false').toLowerCase() === 'true';
  const url = request.query.get('encoding-type') === 'url';
  const body = renderXml('DeleteResult', {
    EncodingType: url ? 'url' : undefined,
    Deleted: quiet ? undefined : keys.map((key) => ({ Key: url ? encodeURIComponent(key) : key })),
  });
  return { status: 200, headers: XML_HEADERS, body };
}
