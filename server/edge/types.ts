import type { OssError } from '../api/errors.js';
import type { KeyProvider } from '../api/auth/keys.js';
import type { AuthRequest } from '../api/auth/request.js';
import type { EngineEventBus } from '../../engine/events.js';
import type { LiveRegistry } from '../../engine/ingest/live-registry.js';
import type { BucketAcl, MetadataStore } from '../../engine/store/metadata-store.js';
import type { ObjectAcl, ObjectStore } from '../../engine/store/object-store.js';

/** A read the edge asks permission for: the API's framework-neutral request plus the ACLs that apply. */
export interface EdgeAuthRequest extends AuthRequest {
  readonly bucket: string;
  readonly bucketAcl: BucketAcl;
  /** ACL of the object; undefined when it does not exist or for the bucket itself (key ''). */
  readonly objectAcl: ObjectAcl | undefined;
}

export type EdgeAuthResult = { readonly ok: true } | { readonly ok: false; readonly error: OssError };

/** Signature check then ACL, as the API decides a GET; `edgeAuthorizer(keys)` builds it from the shared code. */
export type EdgeAuthorize = (request: EdgeAuthRequest) => EdgeAuthResult | Promise<EdgeAuthResult>;

export interface EdgeCacheLimits {
  /** Newest segments kept in memory per channel. Default 1. */
  readonly segmentsPerChannel?: number;
  /** Bytes of segment and playlist bodies kept in memory across all channels. Default 32 MiB. */
  readonly maxBytes?: number;
}

export interface EdgeOptions {
  readonly host: string;
  readonly port: number;
  readonly objects: ObjectStore;
  readonly meta: MetadataStore;
  readonly events: EngineEventBus;
  /** How reads are authorized; default `edgeAuthorizer(keys)`. One of `authorize` and `keys` is required. */
  readonly authorize?: EdgeAuthorize;
  readonly keys?: KeyProvider;
  /** Live publishes, for the once-a-second stats events. */
  readonly live?: LiveRegistry;
  /** Service domains for virtual-hosted addressing (`{bucket}.{domain}`). */
  readonly domains?: readonly string[];
  readonly cache?: EdgeCacheLimits;
}

export interface Edge {
  readonly port: number;
  close(): Promise<void>;
}
