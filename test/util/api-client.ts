import OSS from 'ali-oss';
import { request as httpRequest } from 'node:http';
import { TEST_KEY, loopbackAgent } from './api-server.js';

export type AddressingStyle = 'ip' | 'virtual-host' | 'path';

/** Hostname endpoint tests use; the loopback agent sends it to 127.0.0.1. */
export const SERVICE_DOMAIN = 'oss.livebucket.test';

export interface ClientOptions {
  readonly style?: AddressingStyle;
  readonly v4?: boolean;
  readonly secret?: string;
  readonly accessKeyId?: string;
  readonly [option: string]: unknown;
}

/**
 * An ali-oss client for the fixture: `ip` = endpoint 127.0.0.1 (Host `{bucket}.oss-cn-hangzhou.aliyuncs.com`),
 * `virtual-host` = hostname endpoint (Host `{bucket}.oss.livebucket.test`), `path` = hostname endpoint with
 * `sldEnable` (path `/{bucket}/{key}`).
 */
export function ossClient(port: number, bucket: string | undefined, options: ClientOptions = {}): OSS {
  const { style = 'ip', v4 = false, secret, accessKeyId, ...rest } = options;
  const endpoint = style === 'ip' ? `http://127.0.0.1:${port}` : `http://${SERVICE_DOMAIN}:${port}`;
  return new OSS({
    endpoint,
    accessKeyId: accessKeyId ?? TEST_KEY.id,
    accessKeySecret: secret ?? TEST_KEY.secret,
    ...(bucket ? { bucket } : {}),
    region: 'oss-cn-hangzhou',
    ...(style === 'path' ? { sldEnable: true } : {}),
    ...(style !== 'ip' ? { agent: loopbackAgent() } : {}),
    ...(v4 ? { authorizationV4: true } : {}),
    ...rest,
  });
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** A plain HTTP request to the fixture (for presigned URLs, anonymous access, odd requests). */
export function rawRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Fetches a URL an SDK produced (its host is the test service domain) from the fixture on `port`. */
export function fetchSignedUrl(port: number, url: string, method = 'GET'): Promise<RawResponse> {
  const u = new URL(url);
  return rawRequest(port, method, u.pathname + u.search, { host: u.host });
}
