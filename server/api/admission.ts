import type { LiveRegistry } from '../../engine/ingest/live-registry.js';
import type { Admission, AdmissionResult, PublishRequest } from '../../engine/ingest/sink.js';
import type { MetadataStore } from '../../engine/store/metadata-store.js';
import { type KeyProvider, findKey } from './auth/keys.js';
import { rtmpStringToSign, signRtmp } from './auth/rtmp-signature.js';
import { safeEqual } from './auth/safe-equal.js';
import { OssError } from './errors.js';
import { checkPlaylistName } from './ops/live-channel-config.js';

export interface AdmissionOptions {
  readonly meta: MetadataStore;
  readonly live: LiveRegistry;
  readonly keys: KeyProvider;
  /** Bucket for publish URLs that carry none (ali-oss and Java with an IP endpoint). */
  readonly defaultBucket: string | undefined;
  readonly now?: () => number;
}

const badName = (description: string): AdmissionResult => ({ ok: false, code: 'NetStream.Publish.BadName', description });
const denied = (description: string): AdmissionResult => ({ ok: false, code: 'NetStream.Publish.Denied', description });

/** Why a signed publish URL is not acceptable, or undefined when it is. */
function signatureProblem(request: PublishRequest, bucket: string, keys: KeyProvider, now: number): string | undefined {
  const p = request.params;
  const accessKeyId = p['OSSAccessKeyId'];
  const expires = p['Expires'];
  const signature = p['Signature'];
  if (!accessKeyId || !expires || !signature) return 'Signed publish URL needs OSSAccessKeyId, Expires and Signature.';
  if (!/^\d+$/.test(expires)) return 'Expires must be epoch seconds.';
  if (now > Number(expires) * 1000) return 'The signed publish URL has expired.';
  const key = findKey(keys, accessKeyId);
  if (!key) return `AccessKeyId ${accessKeyId} does not exist.`;
  const token = p['security-token'] ?? p['SecurityToken'];
  if (key.securityToken !== undefined && !safeEqual(token ?? '', key.securityToken)) return 'The security token is invalid.';
  // oss2 and Java sign `security-token`, Go does not: accept either form.
  for (const withToken of token === undefined ? [true] : [true, false]) {
    const expected = signRtmp(key.secret, rtmpStringToSign(expires, p, bucket, request.channel, withToken));
    if (safeEqual(signature, expected)) return undefined;
  }
  return 'The publish URL signature does not match.';
}

/**
 * RTMP publish admission (OSS rules; the RTMP layer has already checked the `live` app): the bucket and
 * an enabled channel exist; the URL is signed by a known key and not expired, or the bucket is
 * public-read-write; nobody else is publishing there; `playlistName` names this session's playlist. Everything is synchronous, so no second publisher can
 * be admitted between this check and the RTMP server registering the first one.
 */
export function createAdmission(options: AdmissionOptions): Admission {
  const now = options.now ?? Date.now;
  const decide = (request: PublishRequest): AdmissionResult => {
    const bucket = request.bucket ?? options.defaultBucket;
    if (bucket === undefined) return badName('The publish URL names no bucket and no default bucket is configured.');
    const record = options.meta.getBucket(bucket);
    if (!record) return badName(`Bucket ${bucket} does not exist.`);
    const channel = options.meta.getChannel(bucket, request.channel);
    if (!channel) return badName(`LiveChannel ${request.channel} does not exist in bucket ${bucket}.`);
    const p = request.params;
    const signed = p['OSSAccessKeyId'] !== undefined || p['Signature'] !== undefined || p['Expires'] !== undefined;
    if (signed) {
      const problem = signatureProblem(request, bucket, options.keys, now());
      if (problem) return denied(problem);
    } else if (record.acl !== 'public-read-write') {
      return denied('Unsigned publish URLs are accepted only for public-read-write buckets.');
    }
    if (channel.status !== 'enabled') return denied(`LiveChannel ${request.channel} is disabled.`);
    if (options.live.findPublisher(bucket, request.channel)) {
      return denied(`LiveChannel ${request.channel} already has a publisher.`);
    }
    let playlistName = channel.playlistName;
    const requested = p['playlistName'];
    if (requested !== undefined && requested !== '') {
      try {
        checkPlaylistName(requested);
      } catch (error) {
        return badName(error instanceof OssError ? `playlistName: ${error.message}` : 'playlistName is not valid.');
      }
      playlistName = requested;
    }
    return { ok: true, bucket, channel: request.channel, playlistName };
  };
  return (request) => Promise.resolve(decide(request));
}
