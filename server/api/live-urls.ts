import { isIP } from 'node:net';

export interface LiveUrlOptions {
  /**
   * Host users reach livebucket by; undefined = the host the API request itself reached. A `:port` on it
   * is the public HTTP port (a proxy in front of the edge) and replaces `playPort` in PlayUrls.
   */
  readonly publicHost: string | undefined;
  /** RTMP listener port (a function when it is only known after listening). */
  readonly rtmpPort: number | (() => number);
  /** Port of the HLS delivery (edge, else the API), for PlayUrls. */
  readonly playPort: number | (() => number);
}

export interface LiveUrls {
  /** `host` = hostname or IP literal (IPv6 without brackets) the URLs should name. */
  publishUrl(host: string, bucket: string, channel: string): string;
  playUrl(host: string, bucket: string, channel: string, playlistName: string): string;
}

const value = (port: number | (() => number)): number => (typeof port === 'function' ? port() : port);

function url(scheme: string, host: string, port: number, defaultPort: number, bucket: string, path: string): string {
  const ip = isIP(host) !== 0;
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  const portPart = port === defaultPort ? '' : `:${port}`;
  // `{bucket}.{host}` cannot resolve for an IP literal or localhost: put the bucket in the path instead,
  // the form oss2/Go/Java use for IP endpoints (`rtmp://{ip}:{port}/{bucket}/live/{ch}`).
  if (ip || host === 'localhost') return `${scheme}://${hostPart}${portPart}/${bucket}/${path}`;
  return `${scheme}://${bucket}.${hostPart}${portPart}/${path}`;
}

/**
 * PublishUrl `rtmp://{bucket}.{host}/live/{ch}` and PlayUrl `http://{bucket}.{host}/{ch}/{playlist}` as OSS
 * returns them, with the ports livebucket listens on. Channel names are percent-encoded so a name with
 * a space still yields a usable URL.
 */
export function createLiveUrls(options: LiveUrlOptions): LiveUrls {
  const configured = options.publicHost === undefined ? undefined : new URL(`http://${options.publicHost}`);
  const publicName = configured?.hostname.replace(/^\[|\]$/g, '');
  const publicPort = configured?.port ? Number(configured.port) : undefined;
  return {
    publishUrl: (host, bucket, channel) =>
      url('rtmp', publicName ?? host, value(options.rtmpPort), 1935, bucket, `live/${encodeURIComponent(channel)}`),
    playUrl: (host, bucket, channel, playlistName) =>
      url(
        'http',
        publicName ?? host,
        publicPort ?? value(options.playPort),
        80,
        bucket,
        `${encodeURIComponent(channel)}/${encodeURIComponent(playlistName)}`,
      ),
  };
}
