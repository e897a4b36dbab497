import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

const PAGE = `<!doctype html><meta charset="utf-8"><video id="v" muted playsinline></video>
<script src="hls.min.js"></script>
<script>
  window.player = { fatal: null, errors: [] };
  window.play = (url) => {
    const video = document.getElementById('v');
    const hls = new Hls({ enableWorker: false });
    hls.on(Hls.Events.ERROR, (_e, d) => {
      window.player.errors.push(d.type + ':' + d.details);
      if (d.fatal) window.player.fatal = d.type + ':' + d.details;
    });
    hls.loadSource(url);
    hls.attachMedia(video);
    hls.on(Hls.Events.MANIFEST_PARSED, () => video.play());
    window.hls = hls;
  };
</script>`;

/** The extra files `serveObjects` needs to host the hls.js player page: `player.html` and `hls.min.js`. */
export function hlsPlayerFiles(): Record<string, { type: string; body: string | Buffer }> {
  const script = readFileSync(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'));
  return {
    'player.html': { type: 'text/html', body: PAGE },
    'hls.min.js': { type: 'text/javascript', body: script },
  };
}

/** Debian's Chromium, headless, as the tests' browser. */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

export interface PlayerState {
  readonly currentTime: number;
  readonly duration: number;
  readonly ended: boolean;
  readonly fatal: string | null;
  readonly errors: readonly string[];
}

/** Opens the player page served at `baseUrl` and starts hls.js on `playlistUrl`. */
export async function openPlayer(browser: Browser, baseUrl: string, playlistUrl: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${baseUrl}player.html`);
  await page.evaluate(`window.play(${JSON.stringify(playlistUrl)})`);
  return page;
}

// Page-side code is passed as strings: the tests compile without the DOM library.
export function playerState(page: Page): Promise<PlayerState> {
  return page.evaluate(`(() => {
    const v = document.getElementById('v');
    return { currentTime: v.currentTime, duration: v.duration, ended: v.ended, fatal: player.fatal, errors: player.errors };
  })()`);
}

export async function seek(page: Page, seconds: number): Promise<void> {
  await page.evaluate(`document.getElementById('v').currentTime = ${seconds}`);
}

/** Polls the player until `done` holds or a fatal error shows; returns the last state. */
export async function waitForPlayer(page: Page, done: (s: PlayerState) => boolean, timeoutMs: number): Promise<PlayerState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await playerState(page);
    if (done(state) || state.fatal || Date.now() > deadline) return state;
    await new Promise((r) => setTimeout(r, 250));
  }
}
