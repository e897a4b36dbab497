import { join } from 'node:path';
import type { LivebucketConfig } from '../../server/config.js';

/** A config for an in-process server: 127.0.0.1, free ports, data under `dir`, edge off. */
export function testConfig(dir: string, overrides: Partial<LivebucketConfig> = {}): LivebucketConfig {
  return {
    dataDir: join(dir, 'data'),
    bind: '127.0.0.1',
    rtmpPort: 0,
    httpPort: 0,
    edgePort: -1,
    accessKeyId: 'test-root-key',
    accessKeySecret: 'test-root-secret',
    defaultBucket: undefined,
    publicHost: undefined,
    muxThreads: 1,
    mux: 'inline',
    region: 'oss-cn-hangzhou',
    ...overrides,
  };
}
