import { type ApiContext, type OssResponse, OWNER, XML_HEADERS } from '../context.js';
import { isoSeconds } from '../time.js';
import { renderXml } from '../xml.js';

/** GetService (ListBuckets), `GET /` on the bare endpoint. */
export function listBuckets(ctx: ApiContext): OssResponse {
  const buckets = ctx.meta.listBuckets().map((b) => ({
    Name: b.name,
    CreationDate: isoSeconds(b.createdAt),
    Location: b.location,
    ExtranetEndpoint: `${b.location}.aliyuncs.com`,
    IntranetEndpoint: `${b.location}-internal.aliyuncs.com`,
    StorageClass: b.storageClass,
    Region: b.location.replace(/^oss-/, ''),
  }));
  const body = renderXml('ListAllMyBucketsResult', {
    Owner: OWNER,
    IsTruncated: 'false',
    Buckets: { Bucket: buckets },
  });
  return { status: 200, headers: XML_HEADERS, body };
}
