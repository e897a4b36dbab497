import type { BucketRecord } from '../../engine/store/metadata-store.js';
import type { ObjectInfo } from '../../engine/store/object-store.js';
import type { Access } from './auth/acl.js';
import { SIGNED_SUB_RESOURCES } from './auth/sub-resources.js';
import type { ApiContext, OssRequest, OssResponse } from './context.js';
import { OssError, invalidArgument, notImplemented } from './errors.js';
import { aclPolicy, deleteBucket, getBucketInfo, getBucketLocation, putBucket, putBucketAcl } from './ops/bucket.js';
import { deleteMultipleObjects, deleteObject } from './ops/delete-objects.js';
import { getObject, headObject } from './ops/get-object.js';
import { listObjectsV1, listObjectsV2 } from './ops/list-objects.js';
import { getLiveChannelHistory, getLiveChannelStat } from './ops/live-channel-stat.js';
import {
  deleteLiveChannel,
  getLiveChannelInfo,
  listLiveChannels,
  putLiveChannel,
  putLiveChannelStatus,
} from './ops/live-channel.js';
import { getObjectAcl, putObjectAcl } from './ops/object-acl.js';
import { putObject } from './ops/put-object.js';
import { listBuckets } from './ops/service.js';
import { getVodPlaylist, postVodPlaylist } from './ops/vod.js';

export interface OperationInput {
  readonly ctx: ApiContext;
  readonly request: OssRequest;
  /** Bucket name ('' at service level). */
  readonly bucket: string;
  /** The bucket's record; undefined only for operations with `bucket: 'none' | 'create'`. */
  readonly record: BucketRecord | undefined;
  readonly key: string;
  /** The object, when the dispatcher already looked it up (anonymous reads check its ACL). */
  readonly object: ObjectInfo | undefined;
}

export interface Operation {
  readonly name: string;
  /** What an anonymous caller needs: read/write by ACL, or owner = never anonymous. */
  readonly access: Access;
  /** 'exists': NoSuchBucket when missing; 'create': PutBucket; 'none': service level. */
  readonly bucket: 'exists' | 'create' | 'none';
  run(input: OperationInput): OssResponse | Promise<OssResponse>;
}

const op = (name: string, access: Access, run: Operation['run'], bucket: Operation['bucket'] = 'exists'): Operation => ({
  name,
  access,
  bucket,
  run,
});

/** Parameters that refine an operation rather than select it. */
const REFINING = new Set(['security-token', 'continuation-token', 'startTime', 'endTime', 'status', 'comp']);

const statOrInfo = ({ ctx, request, bucket, key }: OperationInput): OssResponse => {
  const comp = request.query.get('comp');
  if (comp === undefined) return getLiveChannelInfo(ctx, bucket, key);
  if (comp === 'stat') return getLiveChannelStat(ctx, bucket, key, request.now);
  if (comp === 'history') return getLiveChannelHistory(ctx, bucket, key);
  throw invalidArgument('comp must be stat or history.', undefined, { ArgumentName: 'comp', ArgumentValue: comp });
};

const TABLE: Readonly<Record<string, Operation>> = {
  'service GET': op('ListBuckets', 'owner', ({ ctx }) => listBuckets(ctx), 'none'),

  'bucket GET': op('ListObjects', 'read', ({ ctx, request, bucket }) =>
    request.query.get('list-type') === '2' ? listObjectsV2(ctx, request, bucket) : listObjectsV1(ctx, request, bucket),
  ),
  'bucket GET live': op('ListLiveChannel', 'owner', ({ ctx, request, bucket }) => listLiveChannels(ctx, request, bucket)),
  'bucket GET acl': op('GetBucketAcl', 'owner', ({ record }) => aclPolicy(record!.acl)),
  'bucket GET bucketInfo': op('GetBucketInfo', 'owner', ({ record }) => getBucketInfo(record!)),
  'bucket GET location': op('GetBucketLocation', 'owner', ({ record }) => getBucketLocation(record!)),
  'bucket HEAD': op('HeadBucket', 'read', () => ({ status: 200 })),
  'bucket PUT': op('PutBucket', 'owner', ({ ctx, request, bucket }) => putBucket(ctx, request, bucket), 'create'),
  'bucket PUT acl': op('PutBucketAcl', 'owner', ({ ctx, request, bucket }) => putBucketAcl(ctx, request, bucket)),
  'bucket DELETE': op('DeleteBucket', 'owner', ({ ctx, bucket }) => deleteBucket(ctx, bucket)),
  'bucket POST delete': op('DeleteMultipleObjects', 'write', ({ ctx, request, bucket }) =>
    deleteMultipleObjects(ctx, request, bucket),
  ),

  'object GET': op('GetObject', 'read', ({ ctx, request, bucket, key, object }) => getObject(ctx, request, bucket, key, object)),
  'object HEAD': op('HeadObject', 'read', ({ ctx, request, bucket, key, object }) => headObject(ctx, request, bucket, key, object)),
  'object HEAD objectMeta': op('GetObjectMeta', 'read', ({ ctx, request, bucket, key, object }) =>
    headObject(ctx, request, bucket, key, object),
  ),
  'object PUT': op('PutObject', 'write', ({ ctx, request, bucket, key }) => {
    if (request.headers['x-oss-copy-source'] !== undefined) throw notImplemented('CopyObject');
    return putObject(ctx, request, bucket, key);
  }),
  'object DELETE': op('DeleteObject', 'write', ({ ctx, bucket, key }) => deleteObject(ctx, bucket, key)),
  'object GET acl': op('GetObjectAcl', 'owner', ({ ctx, bucket, key }) => getObjectAcl(ctx, bucket, key)),
  'object PUT acl': op('PutObjectAcl', 'owner', ({ ctx, request, bucket, key }) => putObjectAcl(ctx, request, bucket, key)),

  'object PUT live': op('PutLiveChannel', 'owner', ({ ctx, request, bucket, key }) =>
    request.query.has('status') ? putLiveChannelStatus(ctx, request, bucket, key) : putLiveChannel(ctx, request, bucket, key),
  ),
  'object GET live': op('GetLiveChannel', 'owner', statOrInfo),
  'object DELETE live': op('DeleteLiveChannel', 'owner', ({ ctx, bucket, key }) => deleteLiveChannel(ctx, bucket, key)),
  'object GET vod': op('GetVodPlaylist', 'owner', ({ ctx, request, bucket, key }) => getVodPlaylist(ctx, request, bucket, key)),
  'object POST vod': op('PostVodPlaylist', 'owner', ({ ctx, request, bucket, key }) => postVodPlaylist(ctx, request, bucket, key)),
};

const METHODS = new Set(['GET', 'HEAD', 'PUT', 'POST', 'DELETE']);

/**
 * Picks the operation from level, method and sub-resources, before any plain object routing:
 * `GET /{x}?live` is GetLiveChannelInfo, never GetObject. Unknown sub-resources are refused rather than
 * silently treated as object operations.
 */
export function route(request: OssRequest): Operation {
  if (!METHODS.has(request.method)) {
    throw new OssError(405, 'MethodNotAllowed', `The specified method is not allowed against this resource.`);
  }
  const { bucket, key } = request.address;
  const level = bucket === undefined ? 'service' : key === '' ? 'bucket' : 'object';
  const selecting = [...request.query.keys()]
    .filter((name) => SIGNED_SUB_RESOURCES.has(name) && !REFINING.has(name) && !name.startsWith('response-'))
    .sort();
  const found = TABLE[[level, request.method, ...selecting].join(' ')];
  if (!found) {
    const what = selecting.length > 0 ? `${request.method} ?${selecting.join('&')}` : `${request.method} on this resource`;
    throw notImplemented(what);
  }
  return found;
}
