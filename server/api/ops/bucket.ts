import type { BucketAcl, BucketRecord } from '../../../engine/store/metadata-store.js';
import { type ApiContext, type OssRequest, type OssResponse, OWNER, XML_HEADERS } from '../context.js';
import { header } from '../headers.js';
import { OssError, invalidArgument } from '../errors.js';
import { checkBucketName } from '../names.js';
import { isoSeconds } from '../time.js';
import { parseXmlBody, renderXml } from '../xml.js';

const BUCKET_ACLS: readonly string[] = ['private', 'public-read', 'public-read-write'];

function aclHeader(request: OssRequest): BucketAcl | undefined {
  const acl = header(request, 'x-oss-acl');
  if (acl === undefined) return undefined;
  if (!BUCKET_ACLS.includes(acl)) {
    throw invalidArgument('no such bucket access control exists', undefined, {
      ArgumentName: 'x-oss-acl',
      ArgumentValue: acl,
    });
  }
  return acl as BucketAcl;
}

/** PutBucket. Re-creating an own bucket is 200 and applies `x-oss-acl` when given. */
export function putBucket(ctx: ApiContext, request: OssRequest, bucket: string): OssResponse {
  checkBucketName(bucket);
  const acl = aclHeader(request);
  let storageClass = 'Standard';
  if (request.body && request.body.length > 0) {
    const config = parseXmlBody(request.body, 'CreateBucketConfiguration');
    if (typeof config['StorageClass'] === 'string' && config['StorageClass'] !== '') storageClass = config['StorageClass'];
  }
  const created = ctx.meta.createBucket({
    name: bucket,
    acl: acl ?? 'private',
    createdAt: request.now,
    location: ctx.region,
    storageClass,
  });
  if (!created && acl !== undefined) ctx.meta.setBucketAcl(bucket, acl);
  return { status: 200, headers: { location: `/${bucket}` } };
}

/** DeleteBucket: refused while it holds objects or LiveChannels (a channel is configuration users lose). */
export async function deleteBucket(ctx: ApiContext, bucket: string): Promise<OssResponse> {
  const hasChannels = ctx.meta.listChannels(bucket, '', '', 1).length > 0;
  if (hasChannels || (await ctx.objects.hasObjects(bucket))) {
    throw new OssError(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty.', undefined, {
      BucketName: bucket,
    });
  }
  ctx.meta.deleteBucket(bucket);
  await ctx.objects.dropBucket(bucket);
  return { status: 204 };
}

export function getBucketInfo(record: BucketRecord): OssResponse {
  const body = renderXml('BucketInfo', {
    Bucket: {
      CreationDate: isoSeconds(record.createdAt),
      ExtranetEndpoint: `${record.location}.aliyuncs.com`,
      IntranetEndpoint: `${record.location}-internal.aliyuncs.com`,
      Location: record.location,
      StorageClass: record.storageClass,
      Name: record.name,
      Owner: { DisplayName: OWNER.DisplayName, ID: OWNER.ID },
      AccessControlList: { Grant: record.acl },
      DataRedundancyType: 'LRS',
    },
  });
  return { status: 200, headers: XML_HEADERS, body };
}

export function getBucketLocation(record: BucketRecord): OssResponse {
  return { status: 200, headers: XML_HEADERS, body: renderXml('LocationConstraint', record.location) };
}

export function aclPolicy(grant: string): OssResponse {
  const body = renderXml('AccessControlPolicy', { Owner: OWNER, AccessControlList: { Grant: grant } });
  return { status: 200, headers: XML_HEADERS, body };
}

export function putBucketAcl(ctx: ApiContext, request: OssRequest, bucket: string): OssResponse {
  const acl = aclHeader(request);
  if (acl === undefined) {
    throw invalidArgument('PutBucketAcl needs the x-oss-acl header.', undefined, { ArgumentName: 'x-oss-acl' });
  }
  ctx.meta.setBucketAcl(bucket, acl);
  return { status: 200 };
}
