import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { EngineEventBus } from '../../engine/events.js';
import { renderVodPlaylist } from '../../engine/hls/vod-playlist.js';
import { createInlineMuxBackend } from '../../engine/mux/inline-backend.js';
import type { MuxBackend } from '../../engine/mux/types.js';
import { createPipelineSinkFactory } from '../../engine/pipeline/pipeline-factory.js';
import { publishFlv, testSession } from '../util/hls-feed.js';
import { serveObjects, type ObjectServer } from '../util/hls-object-server.js';
import { hlsPlayerFiles, launchChromium, openPlayer, seek, waitForPlayer } from '../util/hls-player.js';
import { ScratchStores } from '../util/hls-stores.js';
import { makeClip } from '../util/media.js';

const BUCKET = 'media';
const SECONDS = 12;

describe('hls.js in headless Chromium', () => {
  const stores = new ScratchStores();
  let backend: MuxBackend;
  let server: ObjectServer;
  let browser: Browser;

  before(async () => {
    backend = await createInlineMuxBackend();
    server = await serveObjects(stores.objects, BUCKET, hlsPlayerFiles());
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await backend?.close();
    await stores.remove();
  });

  it('plays the live playlist during a real-time push, then the finished segments as VOD', async () => {
    stores.meta.putChannel(BUCKET, 'live', { description: '', status: 'enabled', fragDuration: 2, fragCount: 3, playlistName: 'playlist.m3u8' }, Date.now());
    const clip = await makeClip({ seconds: SECONDS, gop: 60, width: 320, height: 180 });
    const factory = createPipelineSinkFactory({ backend, objects: stores.objects, meta: stores.meta, events: new EngineEventBus() });
    const push = publishFlv(factory, testSession(BUCKET, 'live'), clip, { realtime: true });
    while (!(await stores.objects.head(BUCKET, 'live/playlist.m3u8'))) await sleep(100);

    const live = await openPlayer(browser, server.url, `${server.url}live/playlist.m3u8`);
    const during = await waitForPlayer(live, (s) => s.currentTime > 3, 15_000);
    assert.equal(during.fatal, null, during.errors.join(', '));
    assert.ok(during.currentTime > 3, `live currentTime ${during.currentTime}`);
    await push;
    await live.close();

    const segments = stores.meta.listSegments(BUCKET, 'live', 0, Date.now());
    await stores.objects.put(BUCKET, 'live/vod.m3u8', Buffer.from(renderVodPlaylist(segments)), { contentType: 'application/x-mpegURL' });
    const vod = await openPlayer(browser, server.url, `${server.url}live/vod.m3u8`);
    const started = await waitForPlayer(vod, (s) => s.currentTime > 1, 15_000);
    assert.equal(started.fatal, null, started.errors.join(', '));
    assert.ok(Math.abs(started.duration - SECONDS) < 0.5, `VOD duration ${started.duration}`);
    await seek(vod, SECONDS - 2);
    const ended = await waitForPlayer(vod, (s) => s.ended, 15_000);
    assert.equal(ended.fatal, null, ended.errors.join(', '));
    assert.equal(ended.ended, true, `VOD stopped at ${ended.currentTime}`);
  });
});
