import { createRequire } from 'node:module';

/** The calls of the official Node SDK the bench uses (ali-oss ships no types). */
interface OssClient {
  putBucket(name: string): Promise<unknown>;
  putBucketACL(name: string, acl: string): Promise<unknown>;
  putChannel(id: string, conf: Record<string, unknown>): Promise<unknown>;
}

type OssConstructor = new (options: Record<string, unknown>) => OssClient;
const OSS = createRequire(import.meta.url)('ali-oss') as OssConstructor;

export interface ApiAccess {
  readonly port: number;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

function client(api: ApiAccess, bucket: string): OssClient {
  return new OSS({
    accessKeyId: api.accessKeyId,
    accessKeySecret: api.accessKeySecret,
    bucket,
    endpoint: `http://127.0.0.1:${api.port}`,
    timeout: 60_000,
  });
}

/** A bucket anyone may publish to and read (the bench's publishers carry no signature). */
export async function createPublicBucket(api: ApiAccess, bucket: string): Promise<void> {
  const c = client(api, bucket);
  await c.putBucket(bucket);
  await c.putBucketACL(bucket, 'public-read-write');
}

/** LiveChannels `{prefix}{i}` for i in [from, to), created through the API `concurrency` at a time. */
export async function createChannels(api: ApiAccess, bucket: string, prefix: string, from: number, to: number, fragSeconds: number): Promise<void> {
  const c = client(api, bucket);
  let next = from;
  const conf = {
    Description: 'bench',
    Status: 'enabled',
    Target: { Type: 'HLS', FragDuration: fragSeconds, FragCount: 3, PlaylistName: 'playlist.m3u8' },
  };
  const worker = async (): Promise<void> => {
    for (let i = next++; i < to; i = next++) await c.putChannel(`${prefix}${i}`, conf);
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}
