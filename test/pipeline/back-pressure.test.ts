import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { EngineEventBus } from '../../engine/events.js';
import { createInlineMuxBackend } from '../../engine/mux/inline-backend.js';
import type { MuxBackend } from '../../engine/mux/types.js';
import { createPipelineSinkFactory } from '../../engine/pipeline/pipeline-factory.js';
import type { ObjectStore } from '../../engine/store/object-store.js';
import { publishFlv, testSession } from '../util/hls-feed.js';
import { parsePlaylist } from '../util/hls-playlist.js';
import { ScratchStores } from '../util/hls-stores.js';
import { makeClip } from '../util/media.js';

const BUCKET = 'media';

describe('pipeline back-pressure', () => {
  const stores = new ScratchStores();
  let backend: MuxBackend;
  before(async () => (backend = await createInlineMuxBackend()));
  after(async () => {
    await backend.close();
    await stores.remove();
  });

  for (const [name, bounds] of [
    ['its own bound', { maxQueuedBytes: 64 << 10 }],
    ['its share of the process-wide budget', { ingestBudgetBytes: 64 << 10, minQueuedBytes: 64 << 10 }],
  ] as const) {
    it(`a slow store pauses the publish at ${name} instead of buffering, and loses nothing`, async () => {
      const clip = await makeClip({ seconds: 6, gop: 60 });
      let writing = 0;
      let mostAtOnce = 0;
      const slow: ObjectStore = Object.create(stores.objects, {
        put: {
          value: async (...args: Parameters<ObjectStore['put']>) => {
            mostAtOnce = Math.max(mostAtOnce, ++writing);
            await sleep(150);
            try {
              return await stores.objects.put(...args);
            } finally {
              writing--;
            }
          },
        },
      });
      const channel = `slow-${'maxQueuedBytes' in bounds ? 'own' : 'shared'}`;
      stores.meta.putChannel(BUCKET, channel, { description: '', status: 'enabled', fragDuration: 2, fragCount: 5, playlistName: 'playlist.m3u8' }, Date.now());
      const events = new EngineEventBus();
      const stored: number[] = [];
      events.on('segment', (e) => stored.push(e.bytes));
      const factory = createPipelineSinkFactory({ backend, objects: slow, meta: stores.meta, events, ...bounds });
      const { pauses } = await publishFlv(factory, testSession(BUCKET, channel), clip);

      assert.ok(pauses >= 2, `the feed paused ${pauses} times`);
      assert.equal(mostAtOnce, 1, 'one store write at a time per channel');
      const playlist = parsePlaylist((await stores.objects.readAll(BUCKET, `${channel}/playlist.m3u8`))!.body.toString());
      assert.deepEqual(playlist.segments.map((s) => s.durationMs), [2000, 2000, 2000]);
      assert.equal(stored.length, 3);
    });
  }
});
