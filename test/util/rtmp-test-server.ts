import type { Admission } from '../../engine/ingest/sink.js';
import { RtmpServer, type RtmpServerOptions } from '../../engine/rtmp/server.js';
import { recordingSinkFactory } from './rtmp-recording-sink.js';

/** Admission that accepts every publish, into the requested (or 'default') bucket. */
export const acceptAll: Admission = async (request) => ({
  ok: true,
  bucket: request.bucket ?? 'default',
  channel: request.channel,
  playlistName: request.params.playlistName || 'playlist.m3u8',
});

/** An RtmpServer on 127.0.0.1 port 0 with recording sinks; log lines are collected in `logs`. */
export async function startRecordingRtmpServer(options: Partial<RtmpServerOptions> = {}) {
  const recorder = recordingSinkFactory();
  const logs: string[] = [];
  const server = new RtmpServer({
    host: '127.0.0.1',
    port: 0,
    admission: acceptAll,
    sinkFactory: recorder.factory,
    defaultBucket: 'default',
    log: (line) => logs.push(line),
    ...options,
  });
  const { port } = await server.listen();
  return { server, port, logs, ...recorder, url: (path: string) => `rtmp://127.0.0.1:${port}/${path}` };
}
