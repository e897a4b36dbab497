import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EngineEventBus } from '../../engine/events.js';
import { makeClip, probePackets, probeStreams, type ProbedPacket } from '../util/media.js';
import { ffmpegPublish, gstPublish, type Publisher } from '../util/process.js';
import { assertFramesMatch } from '../util/rtmp-compare.js';
import { startRecordingRtmpServer } from '../util/rtmp-test-server.js';

type Tool = 'ffmpeg' | 'ffmpeg -re' | 'rtmp2sink' | 'rtmpsink';

describe('publishing with real encoders', () => {
  let srv: Awaited<ReturnType<typeof startRecordingRtmpServer>>;
  const events = new EngineEventBus();
  const published: string[] = [];
  const unpublished: string[] = [];
  let clip: string;
  let packets: ProbedPacket[];
  let streams: Awaited<ReturnType<typeof probeStreams>>['streams'];

  before(async () => {
    events.on('publish', (e) => published.push(`${e.bucket}/${e.channel}`));
    events.on('unpublish', (e) => unpublished.push(`${e.bucket}/${e.channel} ${e.reason}`));
    srv = await startRecordingRtmpServer({ events });
    clip = await makeClip({ seconds: 2, width: 320, height: 180, sampleRate: 48000 });
    packets = await probePackets(clip);
    streams = (await probeStreams(clip)).streams;
  });
  after(() => srv.server.close());

  const start = (tool: Tool, url: string): Publisher =>
    tool === 'ffmpeg' || tool === 'ffmpeg -re'
      ? ffmpegPublish(clip, url, { realtime: tool === 'ffmpeg -re' })
      : gstPublish(clip, url, tool);

  let n = 0;
  for (const tool of ['ffmpeg', 'ffmpeg -re', 'rtmp2sink', 'rtmpsink'] as const) {
    for (const form of ['default bucket', 'path style'] as const) {
      it(`${tool} to the ${form} URL`, async () => {
        const channel = `ch${++n}`;
        const bucket = form === 'path style' ? 'mybucket' : 'default';
        const url = srv.url(form === 'path style' ? `mybucket/live/${channel}` : `live/${channel}`);
        const { code, stderr } = await start(tool, url).done;
        assert.equal(code, 0, stderr);
        const sink = await srv.waitFor(`${bucket}/${channel}`);
        assert.equal(await sink.closed(), 'unpublish');
        assertFramesMatch(sink.frames, packets, { shifted: tool === 'rtmp2sink' || tool === 'rtmpsink' });
        const config = sink.configs.at(-1)!;
        const v = streams.find((s) => s.codec_type === 'video')!;
        const a = streams.find((s) => s.codec_type === 'audio')!;
        assert.deepEqual(
          [config.video?.width, config.video?.height, config.audio?.sampleRate, config.audio?.channels],
          [v.width, v.height, Number(a.sample_rate), a.channels],
        );
        assert.deepEqual(sink.session!.stats.dropped, {});
        assert.ok(sink.frames.every((f) => !f.discontinuity));
        // Few, large deliveries: never more batches than frames, and far fewer when pushed as fast as possible.
        if (tool === 'ffmpeg') assert.ok(sink.batchSizes.length * 4 < sink.frames.length, `${sink.batchSizes.length} batches`);
        assert.ok(published.includes(`${bucket}/${channel}`));
        assert.ok(unpublished.includes(`${bucket}/${channel} unpublish`));
        assert.equal(srv.server.findPublisher(bucket, channel), undefined);
      });
    }
  }
});
