import { type ApiContext, type OssRequest, type OssResponse } from '../context.js';
import { invalidArgument, noSuchKey } from '../errors.js';
import { aclPolicy } from './bucket.js';
import { objectAclHeader } from './put-object.js';

export async function getObjectAcl(ctx: ApiContext, bucket: string, key: string): Promise<OssResponse> {
  const info = await ctx.objects.head(bucket, key);
  if (!info) throw noSuchKey(key);
  return aclPolicy(info.acl);
}

export async function putObjectAcl(ctx: ApiContext, request: OssRequest, bucket: string, key: string): Promise<OssResponse> {
  const acl = objectAclHeader(request);
  if (acl === undefined) throw invalidArgument('PutObjectACL needs the x-oss-object-acl header.', undefined, { ArgumentName: 'x-oss-object-acl' });
  if (!(await ctx.objects.setAcl(bucket, key, acl))) throw noSuchKey(key);
  return { status: 200 };
}
