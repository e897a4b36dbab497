import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer, type ChildServer } from './child.js';
import { freePort } from './free-port.js';

export const BENCH_KEY = { id: 'LBBENCHKEY0000000000000', secret: 'bench-secret-not-for-production' } as const;

export interface LivebucketServer extends ChildServer {
  readonly rtmpPort: number;
  readonly httpPort: number;
  readonly edgePort: number;
  readonly dataDir: string;
}

const CLI = fileURLToPath(new URL('../../server/cli.js', import.meta.url));

/** `livebucket serve` as a child process on free 127.0.0.1 ports, its data in `dir`. */
export async function startLivebucketServer(dir: string, env: NodeJS.ProcessEnv = {}, nodeArgs: readonly string[] = []): Promise<LivebucketServer> {
  const [rtmpPort, httpPort, edgePort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const server = await spawnServer(process.execPath, [...nodeArgs, CLI, 'serve'], {
    env: {
      ...process.env,
      LIVEBUCKET_DATA: dataDir,
      LIVEBUCKET_BIND: '127.0.0.1',
      LIVEBUCKET_RTMP_PORT: String(rtmpPort),
      LIVEBUCKET_HTTP_PORT: String(httpPort),
      LIVEBUCKET_EDGE_PORT: String(edgePort),
      LIVEBUCKET_ACCESS_KEY_ID: BENCH_KEY.id,
      LIVEBUCKET_ACCESS_KEY_SECRET: BENCH_KEY.secret,
      ...env,
    },
    ready: /livebucket ready/,
  });
  return { ...server, rtmpPort, httpPort, edgePort, dataDir };
}
