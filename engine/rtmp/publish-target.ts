/** Where a publish goes, from connect's app/tcUrl and publish's stream name (spec §4.2-4.3). */
export interface PublishTarget {
  /** Undefined when neither the host, the app nor a configured default names one. */
  readonly bucket: string | undefined;
  readonly channel: string;
  /** Percent-decoded query: the stream name's, else the app's or tcUrl's. */
  readonly params: Readonly<Record<string, string>>;
}

export interface PublishTargetOptions {
  /** Bucket for URLs that name none (`rtmp://{ip}/live/{ch}`). */
  readonly defaultBucket?: string | undefined;
  /** Domains under which `{bucket}.{domain}` is a virtual-hosted bucket, e.g. `oss.example.com`. */
  readonly serviceDomains?: readonly string[] | undefined;
}

const APP_NAME = 'live';
// ali-oss with an IP endpoint names `{bucket}.oss-{region}.aliyuncs.com` whatever the real host is.
const ALIYUN_SERVICE_DOMAIN = /^oss-[a-z0-9-]+\.aliyuncs\.com$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

/**
 * Resolves the publish target, or a description of why the URL cannot name a channel.
 *
 * Encoders split the URL differently (ffmpeg and librtmp: app = `{bucket}/live`, stream = `{ch}`; others
 * may put more of the path in the stream name, spec §7.18), so the app path and the stream name are
 * joined and read as `[{bucket}/]live/{channel}`. The bucket comes from (1) the tcUrl host's first label
 * under a service domain, (2) a path segment before `live`, (3) the configured default.
 */
export function resolvePublishTarget(
  app: string,
  tcUrl: string,
  streamName: string,
  options: PublishTargetOptions,
): PublishTarget | { readonly error: string } {
  const [namePath, nameQuery] = splitQuery(streamName);
  const [appPath, appQuery] = splitQuery(app);
  const [tcPath, tcQuery] = splitQuery(tcUrl);
  const segments = [...appPath.split('/'), ...namePath.split('/')].filter((s) => s !== '');
  const channel = segments.length > 0 ? decodeSegment(segments[segments.length - 1]!) : '';
  const before = segments.slice(0, -1);
  if (channel === '') return { error: 'the stream name does not name a channel' };
  if (before.length === 0 || before.length > 2 || before[before.length - 1] !== APP_NAME) {
    return { error: `the application must be '${APP_NAME}' or '{bucket}/${APP_NAME}', not '${before.join('/')}'` };
  }
  const query = nameQuery || appQuery || tcQuery;
  const bucket =
    bucketFromHost(tcPath, options.serviceDomains ?? []) ??
    (before.length === 2 ? decodeSegment(before[0]!) : undefined) ??
    options.defaultBucket;
  return { bucket, channel, params: parseQuery(query) };
}

function splitQuery(s: string): [string, string] {
  const q = s.indexOf('?');
  return q < 0 ? [s, ''] : [s.slice(0, q), s.slice(q + 1)];
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Form-decodes a query (`+` is a space; every SDK sends a literal plus as %2B). First value of a key wins. */
export function parseQuery(query: string): Record<string, string> {
  const params = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decodeSegment((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
    const value = eq < 0 ? '' : decodeSegment(pair.slice(eq + 1).replace(/\+/g, ' '));
    if (!params.has(key)) params.set(key, value);
  }
  // fromEntries defines own properties, so a key like "__proto__" stays an ordinary parameter.
  return Object.fromEntries(params);
}

/** `{bucket}` when the tcUrl host is `{bucket}.{service domain}` (spec §1.1 rule 2). */
function bucketFromHost(tcUrl: string, serviceDomains: readonly string[]): string | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#]+)/i.exec(tcUrl);
  if (!match) return undefined;
  const host = match[1]!.toLowerCase();
  const dot = host.indexOf('.');
  if (dot <= 0) return undefined;
  const label = host.slice(0, dot);
  const suffix = host.slice(dot + 1);
  if (!BUCKET_NAME.test(label)) return undefined;
  return ALIYUN_SERVICE_DOMAIN.test(suffix) || serviceDomains.includes(suffix) ? label : undefined;
}
