import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { renderVodPlaylist } from '../../engine/hls/vod-playlist.js';
import { type Livebucket, startLivebucket } from '../../server/livebucket.js';
import { parsePlaylist } from '../util/hls-playlist.js';
import { decode, makeClip, probeStreams } from '../util/media.js';
import { ffmpegPublish, gstPublish, type Publisher } from '../util/process.js';
import { testConfig } from '../util/livebucket-config.js';
import { checkTs } from '../util/ts-checker.js';

const BUCKET = 'media';
const FRAG_MS = 2000;
const FRAME_MS = 1000 / 30;

/**
 * The whole ingest path as a user runs it: a real encoder pushes RTMP to livebucket on its default piscina
 * pool, and what lands in the bucket must hold every frame of the source, in clean MPEG-TS.
 */
describe('RTMP push to HLS objects in the bucket', () => {
  let lb: Livebucket;
  let dir: string;
  let clip: string;
  let source: Awaited<ReturnType<typeof decode>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lb-rtmp-hls-'));
    lb = await startLivebucket(
      testConfig(dir, { defaultBucket: BUCKET, mux: 'pool', muxThreads: 2 }),
      { log: () => undefined },
    );
    // Unsigned pushes are admitted only to public-read-write buckets (spec 4.4).
    lb.meta.setBucketAcl(BUCKET, 'public-read-write');
    clip = await makeClip({ seconds: 6, gop: 60 });
    source = await decode(clip);
  });
  after(async () => {
    await lb.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function push(channel: string, start: (url: string) => Publisher): Promise<void> {
    lb.meta.putChannel(
      BUCKET,
      channel,
      { description: '', status: 'enabled', fragDuration: FRAG_MS / 1000, fragCount: 3, playlistName: 'playlist.m3u8' },
      Date.now(),
    );
    const ended = new Promise<void>((resolve) =>
      lb.events.on('unpublish', (e) => {
        if (e.channel === channel) resolve();
      }),
    );
    const publisher = start(`rtmp://127.0.0.1:${lb.rtmpPort}/live/${channel}`);
    const { code, stderr } = await publisher.done;
    assert.equal(code, 0, stderr);
    await ended;
  }

  async function checkChannel(channel: string, gopAligned: boolean): Promise<void> {
    const segments = lb.meta.listSegments(BUCKET, channel, 0, Date.now() + 1000);
    assert.ok(segments.length >= 2, `${segments.length} segments: ${segments.map((s) => s.durationMs).join(", ")}`);
    const bodies: Buffer[] = [];
    for (const s of segments) {
      const stored = await lb.objects.readAll(BUCKET, s.key);
      assert.ok(stored, `${s.key} is stored`);
      bodies.push(stored.body);
    }
    const report = checkTs(bodies);
    assert.deepEqual(report.errors, []);
    assert.ok(report.segments.every((s) => s.startsWithPsi && s.pcrBeforeFirstPes));

    for (const s of segments.slice(0, -1)) {
      if (gopAligned) {
        // One 2 s GOP per segment, within a frame; the last one is cut at unpublish.
        assert.ok(Math.abs(s.durationMs - FRAG_MS) <= FRAME_MS, `${s.key}: ${s.durationMs} ms`);
      } else {
        // The encoder's keyframes are not on 2 s boundaries: a segment runs to the first keyframe at or
        // past FragDuration (half a frame of tolerance), so it never falls short and never spans 2 GOPs past it.
        assert.ok(s.durationMs >= FRAG_MS - FRAME_MS / 2 && s.durationMs < 2 * FRAG_MS, `${s.key}: ${s.durationMs} ms`);
      }
    }

    const live = parsePlaylist((await lb.objects.readAll(BUCKET, `${channel}/playlist.m3u8`))!.body.toString());
    assert.ok(live.segments.length <= 3, 'the live playlist lists at most FragCount segments');
    assert.deepEqual(
      live.segments.map((s) => `${channel}/${s.uri}`),
      segments.slice(-live.segments.length).map((s) => s.key),
    );

    // The VOD playlist over the whole push decodes without a word from ffmpeg and holds every frame.
    const vodDir = mkdtempSync(join(dir, `${channel}-vod-`));
    segments.forEach((s, i) => writeFileSync(join(vodDir, s.key.slice(channel.length + 1)), bodies[i]!));
    writeFileSync(join(vodDir, 'vod.m3u8'), renderVodPlaylist(segments));
    const vod = await decode(join(vodDir, 'vod.m3u8'));
    assert.equal(vod.errors, '');
    assert.equal(vod.videoFrames, source.videoFrames);
    assert.equal(vod.audioFrames, source.audioFrames);
    for (const s of segments) {
      const probed = await probeStreams(join(vodDir, s.key.slice(channel.length + 1)));
      assert.match(probed.format, /mpegts/);
      assert.deepEqual(probed.streams.map((st) => st.codec_name).sort(), ['aac', 'h264'], s.key);
    }
  }

  it('ffmpeg pushing as fast as it can', async () => {
    await push('ffmpeg-fast', (url) => ffmpegPublish(clip, url));
    await checkChannel('ffmpeg-fast', true);
  });

  it('GStreamer rtmpsink (librtmp, as OBS) in real time', async () => {
    await push('gst-librtmp', (url) => gstPublish(clip, url, 'rtmpsink'));
    // flvmux moves its timeline ~67 ms earlier and clamps the first timestamps to 0, so the second
    // keyframe arrives at ~1933 ms, short of FragDuration: the first segment holds two GOPs.
    await checkChannel('gst-librtmp', false);
  });
});
