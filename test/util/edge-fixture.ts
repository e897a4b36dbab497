import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EngineEventBus } from '../../engine/events.js';
import type { BucketAcl } from '../../engine/store/metadata-store.js';
import { FsObjectStore } from '../../engine/store/fs-object-store.js';
import { SqliteMetadataStore } from '../../engine/store/sqlite-metadata-store.js';
import { edgeAuthorizer, startEdge, type Edge } from '../../server/edge/edge.js';
import type { EdgeCacheLimits } from '../../server/edge/types.js';

export const EDGE_KEY = { id: 'edge-test-key', secret: 'edge-test-secret' } as const;
export const EDGE_DOMAIN = 'edge.test';

export interface EdgeFixture {
  readonly objects: FsObjectStore;
  readonly meta: SqliteMetadataStore;
  readonly events: EngineEventBus;
  readonly edge: Edge;
  createBucket(name: string, acl: BucketAcl): void;
  close(): Promise<void>;
}

/** An edge on 127.0.0.1:0 over real embedded stores in a scratch dir, with one access key. */
export async function startEdgeFixture(cache?: EdgeCacheLimits): Promise<EdgeFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'livebucket-edge-'));
  const objects = FsObjectStore.open(join(dir, 'objects'));
  const meta = SqliteMetadataStore.open(join(dir, 'meta.sqlite'));
  const events = new EngineEventBus();
  const authorize = edgeAuthorizer((id) => (id === EDGE_KEY.id ? { secret: EDGE_KEY.secret } : undefined));
  const edge = await startEdge({ host: '127.0.0.1', port: 0, objects, meta, events, authorize, domains: [EDGE_DOMAIN], cache });
  return {
    objects,
    meta,
    events,
    edge,
    createBucket(name, acl) {
      meta.createBucket({ name, acl, createdAt: Date.now(), location: 'oss-cn-hangzhou', storageClass: 'Standard' });
    },
    async close() {
      await edge.close();
      await objects.close();
      meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface EdgeResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** A raw HTTP request (any Host header, any method), body collected; `pauseMs` stalls reading first. */
export function edgeRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  pauseMs = 0,
): Promise<EdgeResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      if (pauseMs > 0) {
        res.pause();
        setTimeout(() => res.resume(), pauseMs);
      }
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
