import type { LiveChannelRecord } from '../../../engine/store/metadata-store.js';
import { type ApiContext, type OssRequest, type OssResponse, XML_HEADERS } from '../context.js';
import { channelStillLive, invalidArgument, noSuchLiveChannel } from '../errors.js';
import { checkChannelName } from '../names.js';
import { isoSeconds } from '../time.js';
import { renderXml } from '../xml.js';
import { parseLiveChannelConfiguration } from './live-channel-config.js';

export function requireChannel(ctx: ApiContext, bucket: string, channel: string): LiveChannelRecord {
  const record = ctx.meta.getChannel(bucket, channel);
  if (!record) throw noSuchLiveChannel(channel);
  return record;
}

function urlNodes(ctx: ApiContext, request: OssRequest, bucket: string, channel: string, playlistName: string) {
  return {
    PublishUrls: { Url: ctx.urls.publishUrl(request.reachedHost, bucket, channel) },
    PlayUrls: { Url: ctx.urls.playUrl(request.reachedHost, bucket, channel, playlistName) },
  };
}

/** PutLiveChannel: creates, or re-creates an idle channel with the new configuration. */
export function putLiveChannel(ctx: ApiContext, request: OssRequest, bucket: string, channel: string): OssResponse {
  checkChannelName(channel);
  const config = parseLiveChannelConfiguration(request.body);
  if (ctx.live.findPublisher(bucket, channel)) throw channelStillLive(channel);
  ctx.meta.putChannel(bucket, channel, config, request.now);
  const body = renderXml('CreateLiveChannelResult', urlNodes(ctx, request, bucket, channel, config.playlistName));
  return { status: 200, headers: XML_HEADERS, body };
}

/** GetLiveChannelInfo: exactly Description, Status and the four Target children (ali-oss deep-compares). */
export function getLiveChannelInfo(ctx: ApiContext, bucket: string, channel: string): OssResponse {
  const record = requireChannel(ctx, bucket, channel);
  const body = renderXml('LiveChannelConfiguration', {
    Description: record.description,
    Status: record.status,
    Target: {
      Type: 'HLS',
      FragDuration: record.fragDuration,
      FragCount: record.fragCount,
      PlaylistName: record.playlistName,
    },
  });
  return { status: 200, headers: XML_HEADERS, body };
}

/** ListLiveChannel, `GET /?live`: byte order, `marker` exclusive, NextMarker = last name when truncated. */
export function listLiveChannels(ctx: ApiContext, request: OssRequest, bucket: string): OssResponse {
  const prefix = request.query.get('prefix') ?? '';
  const marker = request.query.get('marker') ?? '';
  const maxKeysText = request.query.get('max-keys') ?? '';
  if (Buffer.byteLength(prefix, 'utf8') > 1024) {
    throw invalidArgument('prefix must be at most 1024 bytes.', '0044-00000102', { ArgumentName: 'prefix' });
  }
  let maxKeys = 100;
  if (maxKeysText !== '') {
    maxKeys = /^\d{1,4}$/.test(maxKeysText) ? Number(maxKeysText) : NaN;
    if (!(maxKeys >= 1 && maxKeys <= 1000)) {
      throw invalidArgument('max-keys must be an integer between 1 and 1000.', undefined, {
        ArgumentName: 'max-keys',
        ArgumentValue: maxKeysText,
      });
    }
  }
  const rows = ctx.meta.listChannels(bucket, prefix, marker, maxKeys + 1);
  const truncated = rows.length > maxKeys;
  const page = truncated ? rows.slice(0, maxKeys) : rows;
  const body = renderXml('ListLiveChannelResult', {
    Prefix: prefix,
    Marker: marker,
    MaxKeys: maxKeys,
    IsTruncated: String(truncated),
    NextMarker: truncated ? page[page.length - 1]!.name : '',
    LiveChannel: page.map((record) => ({
      Name: record.name,
      Description: record.description,
      Status: record.status,
      LastModified: isoSeconds(record.lastModified),
      ...urlNodes(ctx, request, bucket, record.name, record.playlistName),
    })),
  });
  return { status: 200, headers: XML_HEADERS, body };
}

/** DeleteLiveChannel: the record goes, its segment and playlist objects stay. */
export function deleteLiveChannel(ctx: ApiContext, bucket: string, channel: string): OssResponse {
  requireChannel(ctx, bucket, channel);
  if (ctx.live.findPublisher(bucket, channel)) throw channelStillLive(channel);
  ctx.meta.deleteChannel(bucket, channel);
  return { status: 204 };
}

/** PutLiveChannelStatus; `disabled` also ends a live publish right away (OSS allows up to ~10 s). */
export function putLiveChannelStatus(ctx: ApiContext, request: OssRequest, bucket: string, channel: string): OssResponse {
  const status = request.query.get('status') ?? '';
  if (status !== 'enabled' && status !== 'disabled') {
    throw invalidArgument('status must be enabled or disabled.', '0044-00000002', { ArgumentName: 'status', ArgumentValue: status });
  }
  requireChannel(ctx, bucket, channel);
  ctx.meta.setChannelStatus(bucket, channel, status, request.now);
  if (status === 'disabled' && ctx.live.findPublisher(bucket, channel)) {
    // Not awaited: the kick resolves when the sink has flushed, which the caller need not wait for.
    ctx.live.kick(bucket, channel, 'LiveChannel disabled').catch(() => undefined);
  }
  return { status: 200 };
}
