import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { LiveRegistry } from '../../engine/ingest/live-registry.js';
import type { PublishSession } from '../../engine/ingest/sink.js';
import { FsObjectStore } from '../../engine/store/fs-object-store.js';
import { SqliteMetadataStore } from '../../engine/store/sqlite-metadata-store.js';
import { createApiServer } from '../../server/api/app.js';

export const TEST_KEY = { id: 'LTAItestkey', secret: 'test-secret-0123456789' } as const;

/** LiveRegistry fixture for API-only tests: the publishes it holds are the ones a test puts in. */
export class FixtureRegistry implements LiveRegistry {
  readonly sessions = new Map<string, PublishSession>();
  readonly kicked: string[] = [];
  findPublisher(bucket: string, channel: string): PublishSession | undefined {
    return this.sessions.get(`${bucket}/${channel}`);
  }
  async kick(bucket: string, channel: string, reason: string): Promise<void> {
    this.kicked.push(`${bucket}/${channel}:${reason}`);
    this.sessions.delete(`${bucket}/${channel}`);
  }
  publishers(): Iterable<PublishSession> {
    return this.sessions.values();
  }
}

export interface ApiFixture {
  readonly app: FastifyInstance;
  readonly port: number;
  readonly dir: string;
  readonly objects: FsObjectStore;
  readonly meta: SqliteMetadataStore;
  readonly live: FixtureRegistry;
  /** Keys the server accepts; tests add and remove entries. */
  readonly keys: Map<string, string>;
  close(): Promise<void>;
}

/** The API alone on 127.0.0.1:0 over embedded stores in a temp dir. */
export async function startApiFixture(options: { serviceDomains?: string[]; publicHost?: string } = {}): Promise<ApiFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'livebucket-api-'));
  const objects = FsObjectStore.open(join(dir, 'objects'));
  const meta = SqliteMetadataStore.open(join(dir, 'meta.db'));
  const live = new FixtureRegistry();
  const keys = new Map<string, string>([[TEST_KEY.id, TEST_KEY.secret]]);
  const app = createApiServer({
    objects,
    meta,
    live,
    keys: (id) => keys.get(id),
    rtmpPort: 1935,
    serviceDomains: options.serviceDomains ?? [],
    ...(options.publicHost ? { publicHost: options.publicHost } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    app,
    port,
    dir,
    objects,
    meta,
    live,
    keys,
    async close() {
      await app.close();
      meta.close();
      await objects.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An HTTP agent that resolves every hostname to 127.0.0.1, so hostname endpoints work without DNS. */
export function loopbackAgent(): Agent {
  return new Agent({
    keepAlive: false,
    lookup: (_host, options, callback) => {
      if ((options as { all?: boolean }).all) {
        (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
      } else {
        callback(null, '127.0.0.1', 4);
      }
    },
  });
}
