import type { ObjectAcl } from '../../../engine/store/object-store.js';
import { type ApiContext, type OssRequest, type OssResponse } from '../context.js';
import { header } from '../headers.js';
import { OssError, invalidArgument } from '../errors.js';
import { verifiedMd5 } from './content-md5.js';

const OBJECT_ACLS: readonly string[] = ['default', 'private', 'public-read', 'public-read-write'];
/** Response headers an object keeps and returns on GET/HEAD. */
const STORED_HEADERS = ['cache-control', 'content-disposition', 'content-encoding', 'expires'] as const;
const MAX_USER_META_BYTES = 8 * 1024;

export function objectAclHeader(request: OssRequest): ObjectAcl | undefined {
  const acl = header(request, 'x-oss-object-acl');
  if (acl === undefined) return undefined;
  if (!OBJECT_ACLS.includes(acl)) {
    throw invalidArgument('The object ACL is not valid.', undefined, { ArgumentName: 'x-oss-object-acl', ArgumentValue: acl });
  }
  return acl as ObjectAcl;
}

function userMeta(request: OssRequest): Record<string, string> {
  const meta: Record<string, string> = {};
  let bytes = 0;
  for (const name of Object.keys(request.headers)) {
    if (!name.startsWith('x-oss-meta-')) continue;
    const value = header(request, name) ?? '';
    meta[name.slice('x-oss-meta-'.length)] = value;
    bytes += name.length + value.length;
  }
  if (bytes > MAX_USER_META_BYTES) throw invalidArgument('User metadata must not exceed 8 KB.', undefined, { ArgumentName: 'x-oss-meta-*' });
  return meta;
}

/** PutObject: Content-MD5 verified, metadata and selected headers stored, ETag = quoted upper-case MD5. */
export async function putObject(ctx: ApiContext, request: OssRequest, bucket: string, key: string): Promise<OssResponse> {
  const body = request.body ?? Buffer.alloc(0);
  if (header(request, 'content-length') === undefined && header(request, 'transfer-encoding') === undefined) {
    throw new OssError(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  const md5 = verifiedMd5(request, body);
  const acl = objectAclHeader(request);
  if (header(request, 'x-oss-forbid-overwrite') === 'true' && (await ctx.objects.head(bucket, key))) {
    throw new OssError(409, 'FileAlreadyExists', 'The object you specified already exists and can not be overwritten.');
  }
  const headers: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    const value = header(request, name);
    if (value !== undefined) headers[name] = value;
  }
  const info = await ctx.objects.put(bucket, key, body, {
    contentType: header(request, 'content-type') || 'application/octet-stream',
    acl: acl ?? 'default',
    userMeta: userMeta(request),
    headers,
  });
  return { status: 200, headers: { etag: `"${info.etag}"`, 'content-md5': md5.toString('base64') } };
}
