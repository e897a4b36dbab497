import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { EngineEventBus } from '../../engine/events.js';
import { renderVodPlaylist } from '../../engine/hls/vod-playlist.js';
import { createInlineMuxBackend } from '../../engine/mux/inline-backend.js';
import { createPoolMuxBackend } from '../../engine/mux/pool-backend.js';
import type { MuxBackend } from '../../engine/mux/types.js';
import { createPipelineSinkFactory } from '../../engine/pipeline/pipeline-factory.js';
import { publishFlv, testSession } from '../util/hls-feed.js';
import { serveObjects, type ObjectServer } from '../util/hls-object-server.js';
import { parsePlaylist, type ParsedPlaylist } from '../util/hls-playlist.js';
import { ScratchStores } from '../util/hls-stores.js';
import { decode, makeClip, probePackets, probeStreams } from '../util/media.js';
import { checkTs } from '../util/ts-checker.js';

const run = promisify(execFile);

function assertDurations(p: ParsedPlaylist, expectedMs: readonly number[], toleranceMs: number): void {
  const actual = p.segments.map((s) => s.durationMs);
  assert.equal(actual.length, expectedMs.length, `durations ${actual.join(', ')}`);
  actual.forEach((d, i) => assert.ok(Math.abs(d - expectedMs[i]!) <= toleranceMs, `durations ${actual.join(', ')}`));
}
const BUCKET = 'media';

/**
 * `ffmpeg -v error -i playlist.m3u8 -f null -` on a live playlist, from its first listed segment. The
 * playlist stays live after unpublish (no EXT-X-ENDLIST), so ffmpeg is told to stop after two reloads
 * that bring nothing new instead of polling for a republish. Returns what ffmpeg printed.
 */
async function decodeLive(url: string): Promise<string> {
  const args = ['-v', 'error', '-nostdin', '-live_start_index', '0', '-m3u8_hold_counters', '2', '-i', url, '-f', 'null', '-'];
  const { stderr } = await run('ffmpeg', args).catch((e: { stderr?: string }) => ({ stderr: e.stderr ?? String(e) }));
  return stderr.trim();
}
const FRAME_MS = 1000 / 30;

describe('pipeline from an FLV file into the bucket', () => {
  const stores = new ScratchStores();
  const backends: MuxBackend[] = [];
  let server: ObjectServer;
  let clip: string;
  let source: Awaited<ReturnType<typeof decode>>;

  before(async () => {
    clip = await makeClip({ seconds: 6, gop: 60 });
    source = await decode(clip);
    server = await serveObjects(stores.objects, BUCKET);
  });
  after(async () => {
    await server.close();
    for (const b of backends) await b.close();
    await stores.remove();
  });

  function factory(backend: MuxBackend, events = new EngineEventBus()) {
    return createPipelineSinkFactory({ backend, objects: stores.objects, meta: stores.meta, events });
  }

  function channel(name: string, fragDuration: number, fragCount: number): void {
    stores.meta.putChannel(BUCKET, name, { description: '', status: 'enabled', fragDuration, fragCount, playlistName: 'playlist.m3u8' }, Date.now());
  }

  async function playlist(name: string, file = 'playlist.m3u8'): Promise<ParsedPlaylist> {
    const stored = await stores.objects.readAll(BUCKET, `${name}/${file}`);
    assert.ok(stored, `${name}/${file} stored`);
    return parsePlaylist(stored.body.toString());
  }

  /** The VOD playlist over every segment of the channel, as PostVodPlaylist writes it; its URL. */
  async function vodPlaylist(name: string, segments = stores.meta.listSegments(BUCKET, name, 0, Date.now() + 1000), file = 'vod.m3u8'): Promise<string> {
    await stores.objects.put(BUCKET, `${name}/${file}`, Buffer.from(renderVodPlaylist(segments)), { contentType: 'application/x-mpegURL' });
    return `${server.url}${name}/${file}`;
  }

  async function checkPush(backend: MuxBackend, name: string): Promise<void> {
    channel(name, 2, 10);
    const events = new EngineEventBus();
    const latencies: number[] = [];
    events.on('segment', (e) => latencies.push(e.latencyMs));
    await publishFlv(factory(backend, events), testSession(BUCKET, name), clip);

    const p = await playlist(name);
    assert.equal(p.targetDuration, 3);
    assert.equal(p.segments.length, 3);
    assert.equal(latencies.length, 3);
    for (const s of p.segments) assert.ok(Math.abs(s.durationMs - 2000) <= FRAME_MS, `EXTINF ${s.durationMs} ms`);

    assert.equal(await decodeLive(`${server.url}${name}/playlist.m3u8`), '');
    const decoded = await decode(await vodPlaylist(name));
    assert.equal(decoded.errors, '');
    assert.equal(decoded.videoFrames, source.videoFrames);
    assert.equal(decoded.audioFrames, source.audioFrames);

    for (const s of p.segments) {
      const url = `${server.url}${name}/${s.uri}`;
      const probed = await probeStreams(url);
      assert.equal(probed.format, 'mpegts');
      assert.deepEqual(probed.streams.map((x) => x.codec_name).sort(), ['aac', 'h264']);
      const video = (await probePackets(url)).filter((x) => x.stream === 'video');
      assert.equal(video[0]!.keyframe, true, `${s.uri} starts with an IDR`);
      const span = Math.max(...video.map((x) => x.dts)) - video[0]!.dts + FRAME_MS;
      assert.ok(Math.abs(span - s.durationMs) <= FRAME_MS, `${s.uri}: video ${span} ms, EXTINF ${s.durationMs} ms`);
      const stored = await stores.objects.readAll(BUCKET, `${name}/${s.uri}`);
      assert.equal(stored?.info.contentType, 'video/MP2T');
      const report = checkTs(stored!.body);
      assert.deepEqual(report.errors, [], `${s.uri}: ${report.errors.join('; ')}`);
    }
  }

  it('inline backend: plays clean, every frame kept, GOP-aligned segments, valid TS', async () => {
    const backend = await createInlineMuxBackend();
    backends.push(backend);
    await checkPush(backend, 'inline');
  });

  it('pool backend: the same', async () => {
    const backend = await createPoolMuxBackend({ threads: 1 });
    backends.push(backend);
    await checkPush(backend, 'pool');
  });

  it('keeps segments in memory only while asked to, and hands over exactly the stored bytes', async () => {
    const backend = await createInlineMuxBackend();
    backends.push(backend);
    channel('memory', 2, 10);
    const events = new EngineEventBus();
    // Asked as each segment opens: the first two are wanted, the last is not.
    let asked = 0;
    events.segmentBodiesWanted = (bucket, name) => bucket === BUCKET && name === 'memory' && ++asked <= 2;
    const handed = new Map<string, Buffer>();
    events.on('segmentBody', (e) => handed.set(e.key, Buffer.from(e.body)));
    await publishFlv(factory(backend, events), testSession(BUCKET, 'memory'), clip);
    const p = await playlist('memory');
    assert.equal(p.segments.length, 3);
    assert.deepEqual([...handed.keys()], p.segments.slice(0, 2).map((s) => `memory/${s.uri}`));
    for (const [key, body] of handed) assert.ok((await stores.objects.readAll(BUCKET, key))!.body.equals(body), key);
  });

  it('republish and restart: EXT-X-DISCONTINUITY, media sequence keeps counting, VOD over all plays', async () => {
    channel('again', 2, 4);
    const backend = await createInlineMuxBackend();
    backends.push(backend);
    await publishFlv(factory(backend), testSession(BUCKET, 'again'), clip);
    await publishFlv(factory(backend), testSession(BUCKET, 'again'), clip);
    let p = await playlist('again');
    assert.equal(p.mediaSequence, 2);
    assert.deepEqual(p.segments.flatMap((s, i) => (s.discontinuity ? [i] : [])), [1]);
    assert.equal(p.discontinuitySequence, 0);

    await stores.reopen();
    await server.close();
    server = await serveObjects(stores.objects, BUCKET);
    await publishFlv(factory(backend), testSession(BUCKET, 'again'), clip);
    p = await playlist('again');
    assert.equal(p.mediaSequence, 5);
    assert.deepEqual(p.segments.flatMap((s, i) => (s.discontinuity ? [i] : [])), [1]);
    assert.equal(p.discontinuitySequence, 1);

    const all = stores.meta.listSegments(BUCKET, 'again', 0, Date.now() + 1000);
    assert.deepEqual(all.map((s) => s.sequence), Array.from({ length: 9 }, (_, i) => i));
    assert.deepEqual(all.flatMap((s, i) => (s.discontinuity ? [i] : [])), [3, 6]);
    for (let push = 0; push < 3; push++) {
      const decoded = await decode(await vodPlaylist('again', all.slice(push * 3, push * 3 + 3), `push${push}.m3u8`));
      assert.equal(decoded.errors, '');
      assert.equal(decoded.videoFrames, source.videoFrames);
      assert.equal(decoded.audioFrames, source.audioFrames);
    }
    // Across pushes every frame is there too. (ffmpeg ignores EXT-X-DISCONTINUITY and reports the
    // audio/video overlap where it re-bases each publish's restarted clock, so its messages are not checked.)
    const decoded = await decode(await vodPlaylist('again'));
    assert.equal(decoded.videoFrames, 3 * source.videoFrames);
    assert.equal(decoded.audioFrames, 3 * source.audioFrames);
  });

  it('long GOP: cut at each 20 s keyframe with FragDuration 2, forced at 60 s without one', async () => {
    const backend = await createInlineMuxBackend();
    backends.push(backend);
    const small = { width: 160, height: 90, fps: 10, bframes: 0 };
    channel('gop20', 2, 10);
    await publishFlv(factory(backend), testSession(BUCKET, 'gop20'), await makeClip({ ...small, seconds: 45, gop: 200 }));
    const gop20 = await playlist('gop20');
    assertDurations(gop20, [20000, 20000, 5000], 100);
    // Fixed from the first segment (20.023 s: audio starts 23 ms before the first keyframe), plus a second.
    assert.equal(gop20.targetDuration, 22);

    channel('nokey', 2, 10);
    await publishFlv(factory(backend), testSession(BUCKET, 'nokey'), await makeClip({ ...small, seconds: 70, gop: 1000 }));
    const p = await playlist('nokey');
    assertDurations(p, [60000, 10000], 100);
    assert.equal(p.targetDuration, 60);
    assert.equal((await decode(await vodPlaylist('nokey'))).errors, '');
  });
});
