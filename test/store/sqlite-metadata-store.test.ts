import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteMetadataStore } from '../../engine/store/sqlite-metadata-store.js';

const config = { description: '', status: 'enabled', fragDuration: 5, fragCount: 3, playlistName: 'playlist.m3u8' } as const;

describe('SqliteMetadataStore', () => {
  let dir: string;
  let meta: SqliteMetadataStore;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-meta-'));
    meta = SqliteMetadataStore.open(join(dir, 'meta.db'));
  });
  after(() => {
    meta.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a bucket once', () => {
    const record = { name: 'b', acl: 'private', createdAt: 1, location: 'oss-cn-hangzhou', storageClass: 'Standard' } as const;
    assert.equal(meta.createBucket(record), true);
    assert.equal(meta.createBucket(record), false);
    meta.setBucketAcl('b', 'public-read-write');
    assert.equal(meta.getBucket('b')?.acl, 'public-read-write');
  });

  it('pages channels by prefix and marker in name order', () => {
    for (let i = 0; i < 12; i++) meta.putChannel('b', `ch-${String(i).padStart(2, '0')}`, config, 1000 + i);
    meta.putChannel('b', 'other', config, 5);
    const page = meta.listChannels('b', 'ch-', 'ch-04', 3).map((c) => c.name);
    assert.deepEqual(page, ['ch-05', 'ch-06', 'ch-07']);
    meta.putChannel('b', 'ch-05', { ...config, fragCount: 7 }, 2000);
    assert.equal(meta.getChannel('b', 'ch-05')?.fragCount, 7);
    meta.setChannelStatus('b', 'ch-05', 'disabled', 3000);
    assert.equal(meta.getChannel('b', 'ch-05')?.status, 'disabled');
    meta.deleteChannel('b', 'ch-05');
    assert.equal(meta.getChannel('b', 'ch-05'), undefined);
  });

  it('keeps the newest ten pushes and closes open ones after a crash', () => {
    const ids: number[] = [];
    for (let i = 0; i < 11; i++) {
      ids.push(meta.startPush('b', 'ch-01', 10_000 + i, `127.0.0.1:${4000 + i}`));
      if (i < 10) meta.endPush(ids[i]!, 20_000 + i);
    }
    const pushes = meta.listPushes('b', 'ch-01');
    assert.equal(pushes.length, 10);
    assert.equal(pushes[0]!.startTime, 10_001);
    assert.equal(pushes[9]!.endTime, undefined);
    assert.equal(meta.closeOpenPushes(30_000), 1);
    assert.equal(meta.listPushes('b', 'ch-01')[9]!.endTime, 30_000);
  });

  it('persists the HLS cursor with each segment and finds segments by start time', () => {
    assert.deepEqual(meta.getHlsCursor('b', 'ch-02'), { nextSequence: 0, discontinuitySequence: 0, lastSegmentName: 0 });
    for (let i = 0; i < 5; i++) {
      const startTime = 1_000_000 + i * 2000;
      meta.addSegment(
        'b',
        'ch-02',
        { key: `ch-02/${startTime}.ts`, startTime, durationMs: 2000, sequence: i, discontinuity: i === 3 },
        { nextSequence: i + 1, discontinuitySequence: i >= 3 ? 1 : 0, lastSegmentName: startTime },
      );
    }
    assert.deepEqual(meta.getHlsCursor('b', 'ch-02'), { nextSequence: 5, discontinuitySequence: 1, lastSegmentName: 1_008_000 });
    assert.deepEqual(meta.listSegments('b', 'ch-02', 1_002_000, 1_006_000).map((s) => s.sequence), [1, 2, 3]);
    assert.deepEqual(meta.recentSegments('b', 'ch-02', 2).map((s) => s.sequence), [3, 4]);
    assert.equal(meta.recentSegments('b', 'ch-02', 2)[0]!.discontinuity, true);
  });
});
