import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readFlvTags, type FlvTag } from '../../engine/flv/flv-file.js';
import { encodeAmf0 } from '../../engine/rtmp/amf0.js';
import { DEFAULT_RTMP_LIMITS } from '../../engine/rtmp/limits.js';
import { TYPE_COMMAND_AMF0 } from '../../engine/rtmp/messages/command.js';
import { assertPeakRssGrowth } from '../util/fault-http.js';
import { checkChannel, FAULT_BUCKET, startFaultServer, waitChannelIdle, waitChannelLive, type FaultServer } from '../util/fault-server.js';
import { makeClip, probePackets } from '../util/media.js';
import { ffmpegPublish, type Publisher } from '../util/process.js';
import { RtmpTestClient } from '../util/rtmp-client.js';

/**
 * Hostile RTMP clients against the real server while a legitimate ffmpeg push runs on another channel.
 * Stated bound: no attack raises the server's peak RSS by more than 64 MiB; the legitimate push loses no
 * frame; the server keeps accepting publishes.
 */
const MEMORY_BOUND = 64 * 1024 * 1024;
const LEGIT_SECONDS = 30;

let server: FaultServer;
let legit: Publisher;
let legitStartedAt: number;
let legitClip: string;
let shortClip: string;
/** An HLS viewer of the legitimate channel on the edge, polling through every attack. */
const viewer = { requests: 0, segments: 0, errors: [] as string[], stop: false, done: Promise.resolve() };

async function watch(): Promise<void> {
  const base = `http://127.0.0.1:${server.process.edgePort}/${FAULT_BUCKET}/legit`;
  const seen = new Set<string>();
  let listed = false;
  while (!viewer.stop) {
    try {
      const r = await fetch(`${base}/playlist.m3u8`);
      viewer.requests++;
      if (r.status === 200) {
        listed = true;
        const newest = (await r.text()).split('\n').filter((l) => l.endsWith('.ts')).at(-1);
        if (newest && !seen.has(newest)) {
          seen.add(newest);
          const segment = await fetch(`${base}/${newest}`);
          const bytes = (await segment.arrayBuffer()).byteLength;
          if (segment.status !== 200 || bytes === 0 || bytes % 188 !== 0) viewer.errors.push(`${newest}: HTTP ${segment.status}, ${bytes} bytes`);
          else viewer.segments++;
        }
      } else if (listed || r.status !== 404) {
        viewer.errors.push(`playlist: HTTP ${r.status}`);
      }
    } catch (error) {
      viewer.errors.push(String(error));
    }
    await sleep(500);
  }
}

before(async () => {
  [legitClip, shortClip] = await Promise.all([
    makeClip({ seconds: LEGIT_SECONDS, width: 320, height: 180, fps: 25, gop: 25 }),
    makeClip({ seconds: 4, width: 320, height: 180, fps: 25, gop: 25 }),
  ]);
  server = await startFaultServer({ channels: ['legit', 'chaos', 'garbage', 'spare'], fragDuration: 1 });
  legitStartedAt = Date.now();
  legit = ffmpegPublish(legitClip, server.rtmpUrl('legit'), { realtime: true });
  await waitChannelLive(server, 'legit');
  viewer.done = watch();
});

after(async () => {
  viewer.stop = true;
  await viewer.done;
  legit?.stop();
  await server?.close();
});

const pid = (): number => server.process.child.pid!;
const rtmpPort = (): number => server.process.rtmpPort;

async function publishClient(channel: string): Promise<RtmpTestClient> {
  const client = await RtmpTestClient.connect(rtmpPort(), `${FAULT_BUCKET}/live`);
  const status = await client.publish(channel);
  assert.equal(status.code, 'NetStream.Publish.Start', status.description);
  return client;
}

/** Writes FLV tags as RTMP media messages on message stream 1, timestamps remapped by `ts`. */
function sendTags(client: RtmpTestClient, tags: readonly FlvTag[], ts: (t: FlvTag, i: number) => number): void {
  tags.forEach((tag, i) => {
    if (tag.type !== 8 && tag.type !== 9) return;
    client.message(tag.type === 9 ? 6 : 4, { typeId: tag.type, streamId: 1, timestamp: ts(tag, i) >>> 0, body: tag.body });
  });
}

async function collectTags(file: string): Promise<FlvTag[]> {
  const tags: FlvTag[] = [];
  for await (const tag of readFlvTags(file)) tags.push(tag);
  return tags;
}

function rawSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(rtmpPort(), '127.0.0.1');
    s.once('connect', () => resolve(s)).once('error', reject);
  });
}

const closedWithin = (s: Socket, ms: number): Promise<boolean> =>
  new Promise((resolve) => {
    if (s.destroyed || s.readyState === 'closed') return resolve(true);
    const timer = setTimeout(() => resolve(false), ms);
    s.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });

test('connection flood beyond max connections: the excess is closed at once, the server recovers', async () => {
  const sockets: Socket[] = [];
  const extra = 100;
  await assertPeakRssGrowth(pid(), MEMORY_BOUND, async () => {
    for (let i = 0; i < DEFAULT_RTMP_LIMITS.maxConnections + extra; i++) {
      const s = connect(rtmpPort(), '127.0.0.1');
      s.on('error', () => undefined);
      sockets.push(s);
      if (i % 100 === 99) await sleep(20);
    }
    await sleep(1500);
  });
  const closed = sockets.filter((s) => s.destroyed || s.readyState === 'closed').length;
  assert.ok(closed >= extra, `only ${closed} of ${sockets.length} connections were refused`);
  for (const s of sockets) s.destroy();
  await sleep(500);
  const client = await publishClient('spare');
  client.close();
  await waitChannelIdle(server, 'spare');
});

test('handshake slowloris: trickling clients are dropped at the handshake timeout', async () => {
  const sockets = await Promise.all(Array.from({ length: 100 }, () => rawSocket()));
  for (const s of sockets) s.on('error', () => undefined);
  const trickle = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write(Buffer.from([3]));
  }, 500);
  try {
    const results = await assertPeakRssGrowth(pid(), MEMORY_BOUND, () =>
      Promise.all(sockets.map((s) => closedWithin(s, DEFAULT_RTMP_LIMITS.handshakeTimeoutMs + 3000))),
    );
    assert.equal(results.filter((closed) => !closed).length, 0, 'some trickling connections outlived the handshake timeout');
  } finally {
    clearInterval(trickle);
    for (const s of sockets) s.destroy();
  }
});

test('message length bombs: unfinished near-limit messages on many chunk streams close the connection', async () => {
  const client = await RtmpTestClient.connect(rtmpPort(), `${FAULT_BUCKET}/live`);
  await assertPeakRssGrowth(pid(), MEMORY_BOUND, async () => {
    for (let csid = 4; csid < 60 && !client.closed; csid++) {
      // Type-0 header announcing an 8 MiB - 1 video message, then only its first chunk.
      const header = Buffer.alloc(12);
      header[0] = csid;
      header.writeUIntBE(0, 1, 3);
      header.writeUIntBE(DEFAULT_RTMP_LIMITS.maxMessageSize - 1, 4, 3);
      header[7] = 9;
      header.writeUInt32LE(1, 8);
      client.write(Buffer.concat([header, randomBytes(128)]));
      await sleep(5);
    }
    await closedWithin(client.socket, 3000);
  });
  assert.ok(client.closed, 'the connection survived 56 unfinished 8 MiB messages');
});

test('chunk stream id sweep: per-connection chunk stream state stays bounded', async () => {
  const client = await RtmpTestClient.connect(rtmpPort(), `${FAULT_BUCKET}/live`);
  await assertPeakRssGrowth(pid(), MEMORY_BOUND, async () => {
    // 3-byte basic headers: csid = 64 + b1 + 256 * b2, up to 65599. Each carries a whole 4-byte Acknowledgement.
    const parts: Buffer[] = [];
    for (let csid = 64; csid < 65600; csid++) {
      const b = Buffer.alloc(3 + 11 + 4);
      b[0] = 1;
      b[1] = (csid - 64) & 0xff;
      b[2] = (csid - 64) >> 8;
      b.writeUIntBE(4, 3 + 3, 3);
      b[3 + 6] = 3;
      parts.push(b);
    }
    client.write(Buffer.concat(parts));
    await closedWithin(client.socket, 3000);
  });
  assert.ok(client.closed, 'the connection survived 65536 distinct chunk stream ids');
});

test('AMF nesting and value-count bombs are refused without harm', async () => {
  const depth = 100_000;
  const nested = Buffer.concat([encodeAmf0('FCPublish', 2), Buffer.alloc(depth * 5, 0).fill(Buffer.from([0x0a, 0, 0, 0, 1]))]);
  const entries = 1_000_000;
  const wide = Buffer.alloc(5 + entries * 4 + 3);
  wide[0] = 0x08;
  wide.writeUInt32BE(entries, 1);
  for (let i = 0; i < entries; i++) {
    // key of 1 byte, value null
    wide.writeUInt16BE(1, 5 + i * 4);
    wide[5 + i * 4 + 2] = 0x61;
    wide[5 + i * 4 + 3] = 0x05;
  }
  wide.set([0, 0, 9], 5 + entries * 4);
  const wideCommand = Buffer.concat([encodeAmf0('FCPublish', 3), wide]);
  for (const body of [nested, wideCommand]) {
    const client = await RtmpTestClient.connect(rtmpPort(), `${FAULT_BUCKET}/live`);
    await assertPeakRssGrowth(pid(), MEMORY_BOUND, async () => {
      client.setChunkSize(65536);
      client.message(3, { typeId: TYPE_COMMAND_AMF0, streamId: 0, timestamp: 0, body });
      await closedWithin(client.socket, 2000);
    });
    client.close();
  }
  const client = await publishClient('spare');
  client.close();
  await waitChannelIdle(server, 'spare');
});

test('timestamp chaos after a valid publish: backwards, huge jumps and the 32-bit wrap give decodable HLS', async () => {
  const tags = await collectTags(shortClip);
  const startedAt = Date.now();
  const client = await publishClient('chaos');
  const quarter = Math.floor(tags.length / 4);
  sendTags(client, tags, (t, i) => {
    if (i < quarter) return t.timestamp;
    if (i < 2 * quarter) return t.timestamp - 3000 < 0 ? 0 : t.timestamp - 3000;
    if (i < 3 * quarter) return t.timestamp + 3_600_000;
    return 0xffffffff - 1500 + t.timestamp;
  });
  await sleep(500);
  client.close();
  await waitChannelIdle(server, 'chaos', startedAt);
  const check = await checkChannel(server, 'chaos');
  assert.deepEqual(check.problems, []);
  const sent = tags.filter((t) => t.type === 9 && t.body[1] === 1).length;
  assert.equal(check.videoFrames, sent, 'video frames lost to timestamp chaos');
});

test('garbage after a valid publish: the publish ends cleanly and the channel takes a new one at once', async () => {
  const tags = await collectTags(shortClip);
  const startedAt = Date.now();
  const client = await publishClient('garbage');
  sendTags(client, tags.slice(0, Math.floor(tags.length / 2)), (t) => t.timestamp);
  client.write(randomBytes(4096));
  await closedWithin(client.socket, 5000);
  client.close();
  await waitChannelIdle(server, 'garbage', startedAt);
  const check = await checkChannel(server, 'garbage');
  assert.deepEqual(check.problems, []);
  const again = await publishClient('garbage');
  again.close();
});

test('the legitimate push and its viewer beside the attacks saw nothing', async () => {
  const done = await legit.done;
  viewer.stop = true;
  await viewer.done;
  assert.deepEqual(viewer.errors, []);
  assert.ok(viewer.segments >= LEGIT_SECONDS / 2, `the viewer got only ${viewer.segments} segments`);
  assert.equal(done.code, 0, done.stderr);
  await waitChannelIdle(server, 'legit', legitStartedAt);
  const check = await checkChannel(server, 'legit');
  assert.deepEqual(check.problems, []);
  const source = await probePackets(legitClip);
  assert.equal(check.videoFrames, source.filter((p) => p.stream === 'video').length, 'video frames');
  assert.equal(check.audioFrames, source.filter((p) => p.stream === 'audio').length, 'audio frames');
});
