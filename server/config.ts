import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

/** Every setting of `livebucket serve`; each is a flag and a LIVEBUCKET_* environment variable. */
export interface LivebucketConfig {
  readonly dataDir: string;
  readonly bind: string;
  readonly rtmpPort: number;
  readonly httpPort: number;
  /** 0 = any free port; negative = edge disabled. */
  readonly edgePort: number;
  readonly accessKeyId: string | undefined;
  readonly accessKeySecret: string | undefined;
  readonly defaultBucket: string | undefined;
  /** Host (optionally :port) put into the PublishUrls/PlayUrls the API returns. */
  readonly publicHost: string | undefined;
  readonly muxThreads: number;
  /** 'pool' (piscina workers, default) or 'inline' (mux on the socket thread). */
  readonly mux: 'pool' | 'inline';
  readonly region: string;
}

interface Setting {
  readonly flag: string;
  readonly env: string;
  readonly help: string;
  readonly fallback: string | undefined;
}

const SETTINGS = {
  dataDir: { flag: 'data', env: 'LIVEBUCKET_DATA', help: 'data directory (objects, metadata, keys)', fallback: './data' },
  bind: { flag: 'bind', env: 'LIVEBUCKET_BIND', help: 'address every listener binds', fallback: '0.0.0.0' },
  rtmpPort: { flag: 'rtmp-port', env: 'LIVEBUCKET_RTMP_PORT', help: 'RTMP ingest port', fallback: '1935' },
  httpPort: { flag: 'http-port', env: 'LIVEBUCKET_HTTP_PORT', help: 'OSS API port', fallback: '8080' },
  edgePort: { flag: 'edge-port', env: 'LIVEBUCKET_EDGE_PORT', help: 'HLS edge port (--edge-port=-1 disables)', fallback: '8081' },
  accessKeyId: { flag: 'access-key-id', env: 'LIVEBUCKET_ACCESS_KEY_ID', help: 'root AccessKeyId', fallback: undefined },
  accessKeySecret: {
    flag: 'access-key-secret',
    env: 'LIVEBUCKET_ACCESS_KEY_SECRET',
    help: 'root AccessKeySecret',
    fallback: undefined,
  },
  defaultBucket: {
    flag: 'default-bucket',
    env: 'LIVEBUCKET_DEFAULT_BUCKET',
    help: 'bucket for RTMP URLs that name none (created if missing)',
    fallback: undefined,
  },
  publicHost: { flag: 'public-host', env: 'LIVEBUCKET_PUBLIC_HOST', help: 'host used in URLs the API returns', fallback: undefined },
  muxThreads: {
    flag: 'mux-threads',
    env: 'LIVEBUCKET_MUX_THREADS',
    help: 'muxer worker threads',
    fallback: String(availableParallelism()),
  },
  mux: { flag: 'mux', env: 'LIVEBUCKET_MUX', help: "'pool' or 'inline'", fallback: 'pool' },
  region: { flag: 'region', env: 'LIVEBUCKET_REGION', help: 'region name reported for buckets', fallback: 'oss-cn-hangzhou' },
} as const satisfies Record<keyof LivebucketConfig, Setting>;

export class ConfigError extends Error {}

export function usage(): string {
  const lines = ['usage: livebucket serve [options]', ''];
  for (const s of Object.values(SETTINGS) as Setting[]) {
    const fallback = s.fallback === undefined ? '' : ` (default ${s.fallback})`;
    lines.push(`  --${s.flag.padEnd(18)} ${s.env.padEnd(30)} ${s.help}${fallback}`);
  }
  return lines.join('\n');
}

function port(name: string, value: string, allowNegative: boolean): number {
  const n = Number(value);
  const min = allowNegative ? -1 : 0;
  if (!Number.isInteger(n) || n < min || n > 65535) throw new ConfigError(`${name} must be a port number, got '${value}'`);
  return n;
}

/** Flags win over environment variables, which win over defaults. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LivebucketConfig {
  const options = Object.fromEntries(
    (Object.values(SETTINGS) as Setting[]).map((s) => [s.flag, { type: 'string' as const }]),
  );
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  const pick = (key: keyof typeof SETTINGS): string | undefined => {
    const s: Setting = SETTINGS[key];
    const v = (values as Record<string, string | undefined>)[s.flag] ?? env[s.env];
    return v === undefined || v === '' ? s.fallback : v;
  };
  const mux = pick('mux');
  if (mux !== 'pool' && mux !== 'inline') throw new ConfigError(`mux must be 'pool' or 'inline', got '${mux}'`);
  const threads = Number(pick('muxThreads'));
  if (!Number.isInteger(threads) || threads < 1) throw new ConfigError(`mux-threads must be a positive integer`);
  const id = pick('accessKeyId');
  const secret = pick('accessKeySecret');
  if ((id === undefined) !== (secret === undefined)) {
    throw new ConfigError('LIVEBUCKET_ACCESS_KEY_ID and LIVEBUCKET_ACCESS_KEY_SECRET must be set together');
  }
  return {
    dataDir: resolve(pick('dataDir')!),
    bind: pick('bind')!,
    rtmpPort: port('rtmp-port', pick('rtmpPort')!, false),
    httpPort: port('http-port', pick('httpPort')!, false),
    edgePort: port('edge-port', pick('edgePort')!, true),
    accessKeyId: id,
    accessKeySecret: secret,
    defaultBucket: pick('defaultBucket'),
    publicHost: pick('publicHost'),
    muxThreads: threads,
    mux,
    region: pick('region')!,
  };
}
