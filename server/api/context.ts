import type { Readable } from 'node:stream';
import type { LiveRegistry } from '../../engine/ingest/live-registry.js';
import type { MetadataStore } from '../../engine/store/metadata-store.js';
import type { ObjectStore } from '../../engine/store/object-store.js';
import type { KeyProvider } from './auth/keys.js';
import type { Address } from './addressing.js';
import type { Headers } from './headers.js';
import type { LiveUrls } from './live-urls.js';
import type { Query } from './query.js';
import type { StatSampler } from './stat-sampler.js';

/** Everything an operation handler may use; built once per server. */
export interface ApiContext {
  readonly objects: ObjectStore;
  readonly meta: MetadataStore;
  readonly live: LiveRegistry;
  readonly keys: KeyProvider;
  readonly urls: LiveUrls;
  readonly sampler: StatSampler;
  /** Lower-cased domains under which `{bucket}.{domain}` addresses a bucket. */
  readonly serviceDomains: readonly string[];
  /** Region name reported in Location/GetBucketInfo, e.g. `oss-cn-hangzhou`. */
  readonly region: string;
  readonly now: () => number;
}

/** A request after addressing, decoding and authentication, independent of the HTTP framework. */
export interface OssRequest {
  readonly method: string;
  readonly address: Address;
  readonly query: Query;
  readonly headers: Headers;
  readonly body: Buffer | undefined;
  readonly now: number;
  /** Hostname or IP the client reached the API by, for the URLs responses name. */
  readonly reachedHost: string;
}

export interface OssResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer | Readable;
}

/** A stable single owner: every valid key is the owner of every bucket (single tenant). */
export const OWNER = { ID: 'livebucket', DisplayName: 'livebucket' } as const;

export const XML_HEADERS = { 'content-type': 'application/xml' } as const;
