import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { EngineEventBus, type EngineEvents } from '../../engine/events.js';
import { HlsWriter, type ClosedSegment } from '../../engine/hls/hls-writer.js';
import type { ObjectStore, ObjectWriter } from '../../engine/store/object-store.js';
import { parsePlaylist } from '../util/hls-playlist.js';
import { ScratchStores } from '../util/hls-stores.js';

const BUCKET = 'bucket';
const T0 = Date.UTC(2026, 0, 1);

function writer(stores: ScratchStores, events: EngineEventBus, channel: string, objects: ObjectStore = stores.objects): HlsWriter {
  return new HlsWriter({
    bucket: BUCKET,
    channel,
    playlistName: 'playlist.m3u8',
    fragCount: 3,
    objects,
    meta: stores.meta,
    events,
    previous: Promise.resolve(),
    onStored: () => undefined,
  });
}

const bodyOf = (arrivedAt: number): Buffer => Buffer.alloc(188 * 3, arrivedAt % 251);

/** A segment streamed into its file in two parts, and kept in memory too (handed over in `segmentBody`). */
function segment(w: HlsWriter, arrivedAt: number, durationMs = 2000, discontinuity = false): ClosedSegment {
  const body = bodyOf(arrivedAt);
  const file = w.openSegment(arrivedAt);
  void file.append(body.subarray(0, 188));
  void file.append(body.subarray(188));
  return { file, body, durationMs, discontinuity, closedAt: 0, targetDurationS: 3 };
}

async function playlist(stores: ScratchStores, channel: string) {
  const stored = await stores.objects.readAll(BUCKET, `${channel}/playlist.m3u8`);
  assert.ok(stored, 'playlist stored');
  assert.equal(stored.info.contentType, 'application/x-mpegURL');
  return parsePlaylist(stored.body.toString());
}

function record<K extends keyof EngineEvents>(events: EngineEventBus, name: K): EngineEvents[K][0][] {
  const seen: EngineEvents[K][0][] = [];
  events.on(name, ((e: EngineEvents[K][0]) => seen.push(e)) as never);
  return seen;
}

describe('HlsWriter', () => {
  const stores = new ScratchStores();
  after(() => stores.remove());

  it('stores segments, then a playlist of the newest FragCount with fixed target duration', async () => {
    const events = new EngineEventBus();
    const segmentEvents = record(events, 'segment');
    const bodies = record(events, 'segmentBody');
    const w = writer(stores, events, 'a');
    // The second and third arrive in the same millisecond: names must still be unique and increasing.
    for (const at of [T0, T0 + 1500, T0 + 1500, T0 + 6000]) w.enqueue(segment(w, at, at === T0 ? 2002 : 2000));
    await w.idle();
    const p = await playlist(stores, 'a');
    assert.equal(p.version, 3);
    assert.equal(p.targetDuration, 3);
    assert.equal(p.mediaSequence, 1);
    assert.equal(p.endList, false);
    assert.deepEqual(p.segments.map((s) => s.uri), [`${T0 + 1500}.ts`, `${T0 + 1501}.ts`, `${T0 + 6000}.ts`]);
    assert.deepEqual(p.segments.map((s) => s.programDateTime), [T0 + 1500, T0 + 1501, T0 + 6000]);
    assert.deepEqual(p.segments.map((s) => s.durationMs), [2000, 2000, 2000]);
    const first = await stores.objects.readAll(BUCKET, `a/${T0}.ts`);
    assert.equal(first?.info.contentType, 'video/MP2T');
    assert.deepEqual(first?.body, bodyOf(T0));
    assert.deepEqual(
      stores.meta.listSegments(BUCKET, 'a', T0, T0 + 10_000).map((s) => [s.key, s.sequence, s.durationMs]),
      [[`a/${T0}.ts`, 0, 2002], [`a/${T0 + 1500}.ts`, 1, 2000], [`a/${T0 + 1501}.ts`, 2, 2000], [`a/${T0 + 6000}.ts`, 3, 2000]],
    );
    assert.deepEqual(segmentEvents.map((e) => e.sequence), [0, 1, 2, 3]);
    assert.deepEqual(bodies.map((e) => e.key), segmentEvents.map((e) => e.key));
  });

  it('keeps counting across a republish and a restart; the discontinuity sequence follows the window', async () => {
    const events = new EngineEventBus();
    const first = writer(stores, events, 'b');
    first.enqueue(segment(first, T0));
    first.enqueue(segment(first, T0 + 2000));
    await first.idle();

    const republish = writer(stores, events, 'b');
    republish.enqueue(segment(republish, T0 + 10_000));
    await republish.idle();
    let p = await playlist(stores, 'b');
    assert.equal(p.mediaSequence, 0);
    assert.equal(p.discontinuitySequence, 0);
    assert.deepEqual(p.segments.map((s) => s.discontinuity), [false, false, true]);

    await stores.reopen();
    const restarted = writer(stores, events, 'b');
    restarted.enqueue(segment(restarted, T0 + 20_000));
    await restarted.idle();
    p = await playlist(stores, 'b');
    assert.equal(p.mediaSequence, 1);
    assert.deepEqual(p.segments.map((s) => [s.sequence, s.discontinuity]), [[1, false], [2, true], [3, true]]);
    assert.equal(p.discontinuitySequence, 0);

    restarted.enqueue(segment(restarted, T0 + 22_000));
    restarted.enqueue(segment(restarted, T0 + 24_000));
    await restarted.idle();
    p = await playlist(stores, 'b');
    assert.equal(p.mediaSequence, 3);
    assert.deepEqual(p.segments.map((s) => s.discontinuity), [true, false, false]);
    assert.equal(p.discontinuitySequence, 1);

    restarted.enqueue(segment(restarted, T0 + 26_000));
    await restarted.idle();
    p = await playlist(stores, 'b');
    assert.equal(p.mediaSequence, 4);
    assert.equal(p.discontinuitySequence, 2, 'both discontinuities scrolled out');
    assert.ok(p.segments.every((s) => !s.discontinuity));
  });

  it('names segments after the last one used, even when the clock went back', async () => {
    const events = new EngineEventBus();
    const w = writer(stores, events, 'c');
    w.enqueue(segment(w, T0 + 5000));
    w.enqueue(segment(w, T0));
    await w.idle();
    const p = await playlist(stores, 'c');
    assert.deepEqual(p.segments.map((s) => s.uri), [`${T0 + 5000}.ts`, `${T0 + 5001}.ts`]);
  });

  it('retries a failed write, reports it, and never lists a segment it could not store', async () => {
    const events = new EngineEventBus();
    const errors = record(events, 'storageError');
    let failuresLeft = new Map([[`d/${T0 + 2000}.ts`, 2], [`d/${T0 + 4000}.ts`, Infinity]]);
    // Each segment goes in as two writes: the first write of a listed key fails this many times.
    const flaky: ObjectStore = Object.create(stores.objects, {
      createWriter: {
        value: (bucket: string, key: string): ObjectWriter => {
          const inner = stores.objects.createWriter(bucket, key);
          return {
            get size() {
              return inner.size;
            },
            write: (part) => {
              const left = failuresLeft.get(key) ?? 0;
              if (left > 0) {
                failuresLeft.set(key, left - 1);
                return Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
              }
              return inner.write(part);
            },
            commit: (options, as) => inner.commit(options, as),
            abort: () => inner.abort(),
          };
        },
      },
    });
    const w = writer(stores, events, 'd', flaky);
    for (const at of [T0, T0 + 2000, T0 + 4000, T0 + 6000]) w.enqueue(segment(w, at));
    await w.idle();
    const p = await playlist(stores, 'd');
    assert.deepEqual(p.segments.map((s) => [s.uri, s.discontinuity]), [
      [`${T0}.ts`, false],
      [`${T0 + 2000}.ts`, false],
      [`${T0 + 6000}.ts`, true],
    ]);
    assert.deepEqual(p.segments.map((s) => s.sequence), [0, 1, 2]);
    assert.equal(await stores.objects.head(BUCKET, `d/${T0 + 4000}.ts`), undefined);
    const lost = errors.filter((e) => e.key === `d/${T0 + 4000}.ts`);
    assert.deepEqual(lost.map((e) => [e.attempt, e.final]), [[1, false], [2, false], [3, false], [4, false], [5, true]]);
    assert.deepEqual(errors.filter((e) => e.key === `d/${T0 + 2000}.ts`).map((e) => e.final), [false, false]);
    failuresLeft = new Map();
  });
});
