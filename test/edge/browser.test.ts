import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { loadConfig } from '../../server/config.js';
import { startLivebucket, type Livebucket } from '../../server/livebucket.js';
import { makeClip } from '../util/media.js';
import { ffmpegPublish, type Publisher } from '../util/process.js';

const require = createRequire(import.meta.url);
const HLS_JS = require.resolve('hls.js/dist/hls.min.js');
const OSS = require('ali-oss') as new (options: Record<string, unknown>) => {
  putBucket(name: string): Promise<unknown>;
  putBucketACL(name: string, acl: string): Promise<unknown>;
  putChannel(id: string, conf: Record<string, unknown>): Promise<unknown>;
};

const KEY = { id: 'browser-test-key', secret: 'browser-test-secret' };
const BUCKET = 'browser';
const CHANNEL = 'cam';

interface PageResult {
  currentTime: number;
  fatal: string | undefined;
  loaded: string[];
  events: { type: string; key?: string; durationMs?: number; latencyMs?: number }[];
}

/**
 * Runs in the page (no DOM types in this project, hence a string): subscribes to /events, waits for the
 * live playlist, plays it with hls.js until 4 s have played and 3 segment events arrived.
 */
function playerScript(edge: string, bucket: string, channel: string): string {
  return `(async () => {
    const events = [];
    const socket = new WebSocket('ws://${edge}/events?bucket=${bucket}&channel=${channel}');
    socket.onmessage = (m) => events.push(JSON.parse(String(m.data)));
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error('events socket failed'));
    });
    const playlist = 'http://${edge}/${bucket}/${channel}/playlist.m3u8';
    for (let i = 0; i < 100 && (await fetch(playlist)).status !== 200; i++) await new Promise((r) => setTimeout(r, 200));
    const video = document.getElementById('v');
    const hls = new Hls({ liveSyncDurationCount: 2 });
    const loaded = [];
    let fatal;
    hls.on(Hls.Events.FRAG_LOADED, (_, data) => loaded.push(data.frag.url));
    hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal) fatal = data.details; });
    hls.on(Hls.Events.MANIFEST_PARSED, () => void video.play());
    hls.loadSource(playlist);
    hls.attachMedia(video);
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline && !fatal && (video.currentTime < 4 || events.filter((e) => e.type === 'segment').length < 3)) {
      await new Promise((r) => setTimeout(r, 250));
    }
    const currentTime = video.currentTime;
    socket.close();
    hls.destroy();
    return { currentTime, fatal, loaded, events };
  })()`;
}

describe('edge in a browser', () => {
  let dir: string;
  let lb: Livebucket;
  let browser: Browser;
  let publisher: Publisher;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'livebucket-browser-'));
    const config = loadConfig(
      ['--data', dir, '--bind', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--edge-port', '0', '--mux', 'inline'],
      { LIVEBUCKET_ACCESS_KEY_ID: KEY.id, LIVEBUCKET_ACCESS_KEY_SECRET: KEY.secret },
    );
    lb = await startLivebucket(config, { log: () => undefined });
    const client = new OSS({ accessKeyId: KEY.id, accessKeySecret: KEY.secret, bucket: BUCKET, endpoint: `http://127.0.0.1:${lb.httpPort}` });
    await client.putBucket(BUCKET);
    await client.putBucketACL(BUCKET, 'public-read-write');
    await client.putChannel(CHANNEL, {
      Description: '',
      Status: 'enabled',
      Target: { Type: 'HLS', FragDuration: 1, FragCount: 3, PlaylistName: 'playlist.m3u8' },
    });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    });
  });

  after(async () => {
    publisher?.stop();
    await publisher?.done;
    await browser?.close();
    await lb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hls.js plays a live channel through the edge while /events announces its segments', async () => {
    const clip = await makeClip({ seconds: 20, gop: 30, width: 320, height: 180 });
    publisher = ffmpegPublish(clip, `rtmp://127.0.0.1:${lb.rtmpPort}/${BUCKET}/live/${CHANNEL}`, { realtime: true });
    const page = await browser.newPage();
    await page.setContent('<video id="v" muted playsinline></video>');
    await page.addScriptTag({ path: HLS_JS });
    const edge = `127.0.0.1:${lb.edgePort}`;
    const result = (await page.evaluate(playerScript(edge, BUCKET, CHANNEL))) as PageResult;
    assert.equal(result.fatal, undefined, `hls.js fatal error: ${result.fatal}`);
    assert.ok(result.currentTime >= 4, `played only ${result.currentTime} s`);
    const segments = result.events.filter((e) => e.type === 'segment');
    assert.ok(segments.length >= 3, `only ${segments.length} segment events`);
    const stats = result.events.filter((e) => e.type === 'stats') as unknown as { fps: number; viewers: number }[];
    assert.ok(stats.some((s) => s.fps > 20 && s.viewers >= 1), 'stats events report the frame rate and this viewer');
    for (const s of segments) {
      assert.ok(s.key?.startsWith(`${CHANNEL}/`) && s.key.endsWith('.ts'));
      assert.ok(s.durationMs! > 500 && s.durationMs! < 3000, `segment duration ${s.durationMs}`);
    }
    // What the player fetched was announced on the socket first.
    const announced = new Set(segments.map((s) => s.key!.slice(CHANNEL.length + 1)));
    const played = result.loaded.map((url) => url.slice(url.lastIndexOf('/') + 1));
    assert.ok(played.some((name) => announced.has(name)), `played ${played.join(',')}, announced ${[...announced].join(',')}`);
  });
});
