import type { LiveChannelConfig } from '../../../engine/store/metadata-store.js';
import { invalidArgument, malformedXml } from '../errors.js';
import { type ParsedXml, parseXmlBody } from '../xml.js';

const DEFAULT_PLAYLIST = 'playlist.m3u8';

/** Text of a child element; '' for an empty element, undefined when absent; nested markup is malformed. */
function text(parent: ParsedXml, name: string): string | undefined {
  const value = parent[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw malformedXml();
  return value;
}

function fragParameter(target: ParsedXml, name: string, ec: string, fallback: number, other: string): number {
  const value = text(target, name) ?? '';
  if (value === '') {
    // Defaults apply only when both are absent.
    if ((text(target, other) ?? '') !== '') throw invalidArgument(`${name} must be given together with ${other}.`, ec, { ArgumentName: name });
    return fallback;
  }
  const n = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 100)) {
    throw invalidArgument(`${name} must be an integer between 1 and 100.`, ec, { ArgumentName: name, ArgumentValue: value });
  }
  return n;
}

/** Validates a PlaylistName (PutLiveChannel body or the `playlistName` publish parameter). */
export function checkPlaylistName(name: string): void {
  const bad = (message: string, ec: string): never => {
    throw invalidArgument(message, ec, { ArgumentName: 'PlaylistName', ArgumentValue: name });
  };
  if (name.includes('/')) bad('PlaylistName must not contain "/".', '0044-00000016');
  if (name.length > 128) bad('PlaylistName must be at most 128 characters.', '0044-00000017');
  if (!name.endsWith('.m3u8')) bad('PlaylistName must end with ".m3u8".', '0044-00000018');
  if (name.length < 6) bad('PlaylistName must be at least 6 characters.', '0044-00000017');
}

function checkSnapshots(config: ParsedXml): void {
  const snapshots = config['Snapshot'];
  if (snapshots === undefined) return;
  const list = snapshots as unknown[];
  if (list.length > 1) throw invalidArgument('At most one Snapshot may be configured.', '0044-00000003');
  const snapshot = list[0];
  if (typeof snapshot !== 'object' || snapshot === null) throw malformedXml();
  const s = snapshot as ParsedXml;
  if ((text(s, 'NotifyTopic') ?? '') === '') throw invalidArgument('Snapshot NotifyTopic must not be empty.', '0044-00000006');
  if ((text(s, 'RoleName') ?? '') === '') throw invalidArgument('Snapshot RoleName must not be empty.', '0044-00000007');
}

/**
 * The body of PutLiveChannel, validated with the ECs OSS documents; unknown elements are ignored (as OSS
 * does). A Snapshot is validated but not kept: livebucket takes no snapshots.
 */
export function parseLiveChannelConfiguration(body: Buffer | undefined): LiveChannelConfig {
  const config = parseXmlBody(body, 'LiveChannelConfiguration');
  const description = text(config, 'Description') ?? '';
  if (Buffer.byteLength(description, 'utf8') > 128) {
    throw invalidArgument('Description must be at most 128 bytes.', '0044-00000001', { ArgumentName: 'Description' });
  }
  const status = text(config, 'Status') || 'enabled';
  if (status !== 'enabled' && status !== 'disabled') {
    throw invalidArgument('Status must be enabled or disabled.', '0044-00000002', { ArgumentName: 'Status', ArgumentValue: status });
  }
  checkSnapshots(config);
  const target = config['Target'];
  if (target === undefined) throw malformedXml();
  if (typeof target !== 'object' || target === null) {
    throw invalidArgument('Target Type must be HLS.', '0044-00000013', { ArgumentName: 'Type' });
  }
  const t = target as ParsedXml;
  const type = text(t, 'Type');
  if (type !== 'HLS') throw invalidArgument('Target Type must be HLS.', '0044-00000013', { ArgumentName: 'Type', ArgumentValue: type ?? '' });
  const fragDuration = fragParameter(t, 'FragDuration', '0044-00000014', 5, 'FragCount');
  const fragCount = fragParameter(t, 'FragCount', '0044-00000015', 3, 'FragDuration');
  const playlistName = text(t, 'PlaylistName') || DEFAULT_PLAYLIST;
  checkPlaylistName(playlistName);
  return { description, status, fragDuration, fragCount, playlistName };
}
