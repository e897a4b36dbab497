import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EngineEventBus, type EngineEvents } from '../../engine/events.js';
import type { SinkFactory } from '../../engine/ingest/sink.js';
import { createInlineMuxBackend } from '../../engine/mux/inline-backend.js';
import type { MuxBackend } from '../../engine/mux/types.js';
import { createPipelineSinkFactory } from '../../engine/pipeline/pipeline-factory.js';
import { FaultObjectStore } from '../util/fault-object-store.js';
import { publishFlv, testSession } from '../util/hls-feed.js';
import { parsePlaylist } from '../util/hls-playlist.js';
import { ScratchStores } from '../util/hls-stores.js';
import { makeClip } from '../util/media.js';
import { checkTs } from '../util/ts-checker.js';

/** Slow and failing storage under the real pipeline (inline WASM muxer, HLS writer, embedded stores). */
const BUCKET = 'faults';
const MAX_QUEUED = 1 << 20;

let stores: ScratchStores;
let backend: MuxBackend;
let clip: string;

before(async () => {
  stores = new ScratchStores();
  backend = await createInlineMuxBackend();
  clip = await makeClip({ seconds: 8, width: 640, height: 360, fps: 25, gop: 25, videoBitrate: '2M' });
});

after(async () => {
  await backend?.close();
  await stores?.remove();
});

function setup(channels: readonly string[]): { faults: FaultObjectStore; events: EngineEventBus; factory: SinkFactory; pressured: Set<string> } {
  const faults = new FaultObjectStore(stores.objects, 7);
  const events = new EngineEventBus();
  for (const c of channels) {
    stores.meta.putChannel(BUCKET, c, { description: '', status: 'enabled', fragDuration: 1, fragCount: 100, playlistName: 'playlist.m3u8' }, Date.now());
  }
  const inner = createPipelineSinkFactory({ backend, objects: faults, meta: stores.meta, events, maxQueuedBytes: MAX_QUEUED });
  const pressured = new Set<string>();
  // Records which channels' ingest was told to pause.
  const factory: SinkFactory = (session, onDrain) => {
    const sink = inner(session, onDrain);
    return {
      configure: (v, a) => sink.configure(v, a),
      write: (frames) => {
        const ok = sink.write(frames);
        if (!ok) pressured.add(session.channel);
        return ok;
      },
      close: (reason) => sink.close(reason),
    };
  };
  return { faults, events, factory, pressured };
}

function record<K extends keyof EngineEvents>(events: EngineEventBus, name: K): EngineEvents[K][0][] {
  const seen: EngineEvents[K][0][] = [];
  events.on(name, ((e: EngineEvents[K][0]) => seen.push(e)) as never);
  return seen;
}

/** The stored playlist's segments all exist and are clean MPEG-TS. */
async function assertPlaylistIntact(channel: string): Promise<string[]> {
  const stored = await stores.objects.readAll(BUCKET, `${channel}/playlist.m3u8`);
  assert.ok(stored, `${channel}: no playlist`);
  const playlist = parsePlaylist(stored.body.toString());
  const keys: string[] = [];
  for (const s of playlist.segments) {
    const key = `${channel}/${s.uri}`;
    const segment = await stores.objects.readAll(BUCKET, key);
    assert.ok(segment, `${key} is listed but not stored`);
    assert.deepEqual(checkTs(segment.body).errors, [], key);
    keys.push(key);
  }
  return keys;
}

test('a slow store back-pressures only the channels it slows; memory stays bounded', async () => {
  const { faults, factory, pressured } = setup(['slow', 'fast']);
  faults.rules = [{ key: /^faults\/slow\//, ops: ['write'], latencyMs: 700 }];
  const footprint = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const base = footprint();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, footprint())), 20);
  try {
    // The slow channel is fed as fast as the pipeline accepts; the fast one in real time beside it.
    await Promise.all([publishFlv(factory, testSession(BUCKET, 'slow'), clip), publishFlv(factory, testSession(BUCKET, 'fast'), clip, { realtime: true })]);
  } finally {
    clearInterval(sampler);
  }
  assert.ok(pressured.has('slow'), 'the slow channel never paused its ingest');
  assert.ok(!pressured.has('fast'), 'the fast channel was paused by the other channel\'s slow store');
  assert.ok(peak - base < 64 << 20, `memory grew by ${((peak - base) / 2 ** 20).toFixed(0)} MiB`);
  const slow = await assertPlaylistIntact('slow');
  const fast = await assertPlaylistIntact('fast');
  assert.equal(slow.length, fast.length, 'the slow channel lost segments');
});

test('failing segment writes are retried, reported, and never listed when they finally fail', async () => {
  const { faults, events } = setup(['flaky']);
  const errors = record(events, 'storageError');
  const playlists = record(events, 'playlist');
  // Every segment put fails with probability 0.6: most succeed after retries, a few fail all 5 attempts.
  faults.rules = [{ key: /^faults\/flaky\/\d+\.ts$/, ops: ['write'], error: 'EIO', probability: 0.6 }];
  const factory = createPipelineSinkFactory({ backend, objects: faults, meta: stores.meta, events });
  await publishFlv(factory, testSession(BUCKET, 'flaky'), clip);
  const finals = new Set(errors.filter((e) => e.final).map((e) => e.key));
  const retried = new Set(errors.filter((e) => !e.final && !finals.has(e.key)).map((e) => e.key));
  assert.ok(finals.size > 0 && retried.size > 0, `seeded faults gave ${finals.size} lost and ${retried.size} retried segments`);
  assert.ok(errors.every((e) => e.error.includes('EIO') && e.attempt >= 1 && e.attempt <= 5));
  for (const p of playlists) {
    for (const key of finals) assert.ok(!p.body.toString().includes(key.split('/')[1]!), `playlist names the unwritten ${key}`);
  }
  const listed = await assertPlaylistIntact('flaky');
  for (const key of retried) assert.ok(listed.includes(key), `${key} was stored after retries but is not listed`);
  const text = (await stores.objects.readAll(BUCKET, 'flaky/playlist.m3u8'))!.body.toString();
  assert.ok(text.includes('#EXT-X-DISCONTINUITY'), 'a lost segment must be followed by a discontinuity');
});

test('disk full refuses new segments without corrupting the stored ones, and recovers', async () => {
  const { faults, events } = setup(['full']);
  const errors = record(events, 'storageError');
  const factory = createPipelineSinkFactory({ backend, objects: faults, meta: stores.meta, events });
  const storedBefore: string[] = [];
  const snapshot = new Map<string, Buffer>();
  const segments = record(events, 'segment');
  const publish = publishFlv(factory, testSession(BUCKET, 'full'), clip, { realtime: true });
  // Fill the disk after ~2.5 s, free it after ~5 s.
  await new Promise((r) => setTimeout(r, 2500));
  for (const s of segments) {
    storedBefore.push(s.key);
    snapshot.set(s.key, (await stores.objects.readAll(BUCKET, s.key))!.body);
  }
  faults.rules = [{ key: /^faults\/full\//, ops: ['write'], error: 'ENOSPC' }];
  await new Promise((r) => setTimeout(r, 2500));
  faults.rules = [];
  await publish;
  assert.ok(storedBefore.length > 0, 'no segment stored before the disk filled');
  assert.ok(errors.some((e) => e.final && e.error.includes('ENOSPC')), 'disk full was not reported');
  for (const [key, body] of snapshot) assert.ok((await stores.objects.readAll(BUCKET, key))!.body.equals(body), `${key} changed`);
  const listed = await assertPlaylistIntact('full');
  assert.ok(listed.some((k) => !storedBefore.includes(k)), 'no segment stored after the disk recovered');
});
