import type { PublishSession } from '../../../engine/ingest/sink.js';
import { type ApiContext, type OssResponse, XML_HEADERS } from '../context.js';
import { isoSeconds } from '../time.js';
import { type XmlNode, renderXml } from '../xml.js';
import { requireChannel } from './live-channel.js';

function liveStat(ctx: ApiContext, session: PublishSession, now: number): XmlNode {
  const stats = session.stats;
  const rates = ctx.sampler.rates(session, now);
  const video = stats.video
    ? {
        Width: stats.video.width,
        Height: stats.video.height,
        FrameRate: stats.video.frameRate !== undefined ? Math.round(stats.video.frameRate) : rates.frameRate,
        Bandwidth: rates.videoBandwidth,
        Codec: 'H264',
      }
    : undefined;
  const audioCodec = stats.audio ? 'AAC' : stats.audioCodecName;
  const audio =
    audioCodec !== undefined
      ? { Bandwidth: rates.audioBandwidth, SampleRate: stats.audio?.sampleRate ?? 0, Codec: audioCodec }
      : undefined;
  return {
    Status: 'Live',
    ConnectedTime: isoSeconds(session.connectedAt),
    RemoteAddr: `${session.remoteAddress}:${session.remotePort}`,
    Video: video,
    Audio: audio,
  };
}

/** GetLiveChannelStat: Disabled / Live (with the publish's details) / Idle; no empty time elements. */
export function getLiveChannelStat(ctx: ApiContext, bucket: string, channel: string, now: number): OssResponse {
  const record = requireChannel(ctx, bucket, channel);
  const session = record.status === 'enabled' ? ctx.live.findPublisher(bucket, channel) : undefined;
  const stat: XmlNode = session ? liveStat(ctx, session, now) : { Status: record.status === 'disabled' ? 'Disabled' : 'Idle' };
  ctx.sampler.prune(new Set([...ctx.live.publishers()].map((s) => s.id)));
  return { status: 200, headers: XML_HEADERS, body: renderXml('LiveChannelStat', stat) };
}

/** GetLiveChannelHistory: the last 10 finished pushes, oldest first (an open one has no EndTime yet). */
export function getLiveChannelHistory(ctx: ApiContext, bucket: string, channel: string): OssResponse {
  requireChannel(ctx, bucket, channel);
  const records = ctx.meta.listPushes(bucket, channel).filter((r) => r.endTime !== undefined);
  const body = renderXml('LiveChannelHistory', {
    LiveRecord: records.map((r) => ({
      StartTime: isoSeconds(r.startTime),
      EndTime: isoSeconds(r.endTime!),
      RemoteAddr: r.remoteAddr,
    })),
  });
  return { status: 200, headers: XML_HEADERS, body };
}
