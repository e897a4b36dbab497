import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderVodPlaylist } from '../../engine/hls/vod-playlist.js';

describe('renderVodPlaylist', () => {
  it('renders the OSS VOD layout, target duration rounded to nearest, breaks kept', () => {
    const text = renderVodPlaylist([
      { key: 'ch/1543895706266.ts', startTime: 1543895706266, durationMs: 7120, sequence: 4, discontinuity: true },
      { key: 'ch/1543895706468.ts', startTime: 1543895706468, durationMs: 13320, sequence: 5, discontinuity: false },
      { key: 'ch/1543895800000.ts', startTime: 1543895800000, durationMs: 2000, sequence: 6, discontinuity: true },
    ]);
    assert.equal(
      text,
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-MEDIA-SEQUENCE:0',
        '#EXT-X-TARGETDURATION:13',
        '#EXTINF:7.120,',
        '1543895706266.ts',
        '#EXTINF:13.320,',
        '1543895706468.ts',
        '#EXT-X-DISCONTINUITY',
        '#EXTINF:2.000,',
        '1543895800000.ts',
        '#EXT-X-ENDLIST',
        '',
      ].join('\n'),
    );
  });
});
