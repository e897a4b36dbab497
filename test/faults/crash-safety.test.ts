import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteMetadataStore } from '../../engine/store/sqlite-metadata-store.js';
import { filesUnder, indexedFiles } from '../util/object-files.js';
import { checkChannel, FAULT_BUCKET, startFaultServer, waitChannelIdle, waitChannelLive, type FaultServer } from '../util/fault-server.js';
import { makeClip } from '../util/media.js';
import { RtmpTestClient } from '../util/rtmp-client.js';
import { ffmpegPublish, type Publisher } from '../util/process.js';

/**
 * SIGKILL during pushes to several channels, restart on the same data dir, and check what a viewer and
 * an operator would see. Then a graceful stop (SIGTERM) mid-segment.
 */
const CHANNELS = ['crash-a', 'crash-b', 'crash-c'];
const KILL_CYCLES = 3;

let server: FaultServer;
let clip: string;

before(async () => {
  clip = await makeClip({ seconds: 20, width: 320, height: 180, fps: 25, gop: 25 });
  server = await startFaultServer({ channels: [...CHANNELS, 'graceful', 'graceful-rtmp'], fragDuration: 1, fragCount: 5 });
});

after(async () => {
  await server?.close();
});

/** Every (sequence -> segment URI) any playlist ever showed: a sequence number must never change meaning. */
const seenSequences = new Map<string, Map<number, string>>();
let checkedSegments = 0;

function recordPlaylistSequences(channel: string, segments: readonly { sequence: number; uri: string }[]): void {
  const seen = seenSequences.get(channel) ?? new Map<number, string>();
  seenSequences.set(channel, seen);
  for (const s of segments) {
    const before = seen.get(s.sequence);
    assert.ok(before === undefined || before === s.uri, `${channel}: sequence ${s.sequence} was ${before}, now ${s.uri}`);
    seen.set(s.sequence, s.uri);
  }
}

async function checkAfterRestart(cycle: number): Promise<void> {
  // What a killed put left (a file cut short, a version not yet unlinked) is gone after the restart.
  const objectsDir = join(server.dir, 'objects');
  const { objects, loose } = indexedFiles(objectsDir);
  const known = new Set([...objects, ...loose]);
  const stray = filesUnder(objectsDir, 'buckets').filter((f) => !known.has(f));
  assert.deepEqual(stray, [], `cycle ${cycle}: files in ${objectsDir} that the index does not name`);
  const meta = SqliteMetadataStore.open(join(server.dir, 'meta.db'));
  try {
    for (const channel of CHANNELS) {
      const check = await checkChannel(server, channel);
      assert.deepEqual(check.problems, [], `cycle ${cycle}: ${channel}`);
      assert.ok(check.playlist && check.playlist.segments.length > 0, `cycle ${cycle}: ${channel} lists no segment`);
      recordPlaylistSequences(channel, check.playlist.segments);
      checkedSegments += check.playlist.segments.length;
      // History: every push, including the killed one, has an end time.
      const history = (await server.oss().getChannelHistory(channel)) as { records: { StartTime: string; EndTime?: string }[] };
      assert.ok(history.records.length > 0, `cycle ${cycle}: ${channel} has no history`);
      for (const r of history.records) assert.ok(r.EndTime && Date.parse(r.EndTime) >= Date.parse(r.StartTime), `${channel}: record ${JSON.stringify(r)}`);
      // The segment index names only objects that exist (an object stored just before the kill may be unindexed).
      const indexed = meta.listSegments(FAULT_BUCKET, channel, 0, Number.MAX_SAFE_INTEGER).map((s) => s.key);
      const listed = await server.oss().list({ prefix: `${channel}/`, 'max-keys': 1000 }, {});
      const objects = new Set(((listed.objects ?? []) as { name: string }[]).map((o) => o.name).filter((n) => n.endsWith('.ts')));
      const missing = indexed.filter((k) => !objects.has(k));
      assert.deepEqual(missing, [], `cycle ${cycle}: ${channel}: indexed segments without an object`);
      assert.ok(objects.size - indexed.length <= cycle, `${channel}: ${objects.size - indexed.length} unindexed segment objects after ${cycle} kills`);
      const sequences = meta.listSegments(FAULT_BUCKET, channel, 0, Number.MAX_SAFE_INTEGER).map((s) => s.sequence);
      sequences.forEach((s, i) => i > 0 && assert.equal(s, sequences[i - 1]! + 1, `${channel}: index sequences not contiguous`));
    }
  } finally {
    meta.close();
  }
}

test(`SIGKILL during pushes to ${CHANNELS.length} channels, ${KILL_CYCLES} times: nothing broken is ever listed`, async () => {
  let random = 0x2545f491;
  const next = (): number => ((random = (random * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let cycle = 1; cycle <= KILL_CYCLES; cycle++) {
    const pushes: Publisher[] = CHANNELS.map((c) => ffmpegPublish(clip, server.rtmpUrl(c), { realtime: true }));
    try {
      // The channels must accept a push at once, also right after a restart.
      for (const c of CHANNELS) await waitChannelLive(server, c, 10_000);
      await sleep(2000 + next() * 4000);
      for (const c of CHANNELS) {
        const text = await server.playlist(c);
        if (text) recordPlaylistSequences(c, (await checkChannel(server, c)).playlist?.segments ?? []);
      }
      await server.process.stop('SIGKILL');
    } finally {
      for (const p of pushes) p.stop();
      await Promise.all(pushes.map((p) => p.done));
    }
    await server.restart();
    await checkAfterRestart(cycle);
  }
  console.log(`# crash safety: ${KILL_CYCLES} kill cycles x ${CHANNELS.length} channels, ${checkedSegments} listed segments checked, none bad`);
  // After the last restart: a new push continues the sequence numbers.
  const before = new Map(CHANNELS.map((c) => [c, Math.max(-1, ...(seenSequences.get(c)?.keys() ?? []))]));
  const startedAt = Date.now();
  const pushes = CHANNELS.map((c) => ffmpegPublish(clip, server.rtmpUrl(c), { realtime: true }));
  for (const c of CHANNELS) await waitChannelLive(server, c, 10_000);
  await sleep(3500);
  for (const p of pushes) p.stop();
  await Promise.all(pushes.map((p) => p.done));
  for (const c of CHANNELS) {
    await waitChannelIdle(server, c, startedAt);
    const check = await checkChannel(server, c);
    assert.deepEqual(check.problems, []);
    recordPlaylistSequences(c, check.playlist!.segments);
    const last = check.playlist!.segments.at(-1)!;
    assert.ok(last.sequence > before.get(c)!, `${c}: sequence ${last.sequence} does not continue after ${before.get(c)}`);
  }
});

test('graceful stop (SIGTERM) mid-segment: the segment in progress is listed, history closed, prompt exit', async () => {
  const push = ffmpegPublish(clip, server.rtmpUrl('graceful'), { realtime: true });
  await waitChannelLive(server, 'graceful', 10_000);
  // A second publisher that reads what the server says: it must be told the publish ended.
  const told = await RtmpTestClient.connect(server.process.rtmpPort, `${FAULT_BUCKET}/live`);
  assert.equal((await told.publish('graceful-rtmp')).code, 'NetStream.Publish.Start');
  await sleep(3300);
  const started = Date.now();
  const code = await server.process.stop('SIGTERM');
  const exitMs = Date.now() - started;
  push.stop();
  await push.done;
  assert.equal(code, 0, server.process.stderr());
  assert.ok(exitMs < 15_000, `graceful stop took ${exitMs} ms`);
  const statuses = told.commands.filter((c) => c.name === 'onStatus').map((c) => (c.args[0] as { code: string }).code);
  told.close();
  assert.ok(statuses.includes('NetStream.Unpublish.Success'), `publisher was told ${statuses.join(', ')}`);
  await server.restart();
  const check = await checkChannel(server, 'graceful');
  assert.deepEqual(check.problems, []);
  // 3.3 s pushed in 1 s fragments: the cut-at-stop segment makes the listed media reach past 3 s.
  const listedMs = check.playlist!.segments.reduce((n, s) => n + s.durationMs, 0);
  assert.ok(listedMs >= 3000, `only ${listedMs} ms listed after a graceful stop at ~3.3 s`);
  const history = (await server.oss().getChannelHistory('graceful')) as { records: { StartTime: string; EndTime?: string }[] };
  assert.equal(history.records.length, 1);
  assert.ok(history.records[0]!.EndTime, 'graceful stop left the push without an end time');
});
