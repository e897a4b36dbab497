/**
 * Socket-thread parse throughput: RTMP chunk streams pushed over loopback as fast as possible into an
 * RtmpServer whose sinks discard the frames. The load comes from a child process so that this process's
 * CPU time (process.cpuUsage) is the server's alone: handshake, chunk reassembly, AMF, FLV parsing,
 * timestamp mapping and batching. Prints one JSON line per publisher count.
 *
 *   node dist/bench/rtmp-parse.js [--mb 256] [--publishers 1,16]
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import type { ChannelSink } from '../engine/ingest/sink.js';
import { encodeAmf0 } from '../engine/rtmp/amf0.js';
import { ChunkWriter } from '../engine/rtmp/chunk-writer.js';
import { encodeSetChunkSize } from '../engine/rtmp/messages/set-chunk-size.js';
import { RtmpServer } from '../engine/rtmp/server.js';

const CHUNK_SIZE = 4096;
const FPS = 30;
const VIDEO_BITRATE = 6_000_000;
const GOP = 60;

/** Handshake C0+C1+C2 and the publish conversation, then `bytes` of H.264/AAC media as chunks. */
function buildStream(channel: string, bytes: number): Buffer {
  const corpus = (name: string) => readFileSync(new URL(`../../engine/flv/corpus/${name}.bin`, import.meta.url)).subarray(1);
  const w = new ChunkWriter();
  const parts: Buffer[] = [Buffer.from([3]), Buffer.alloc(1536), Buffer.alloc(1536)];
  const cmd = (name: string, tx: number, ...args: Parameters<typeof encodeAmf0>) =>
    parts.push(w.encode(3, { typeId: 20, streamId: 0, timestamp: 0, body: encodeAmf0(name, tx, ...args) }));
  parts.push(w.encode(2, { typeId: 1, streamId: 0, timestamp: 0, body: encodeSetChunkSize(CHUNK_SIZE) }));
  w.chunkSize = CHUNK_SIZE;
  cmd('connect', 1, { app: 'live', tcUrl: 'rtmp://127.0.0.1/live', type: 'nonprivate' });
  cmd('createStream', 2, null);
  parts.push(w.encode(8, { typeId: 20, streamId: 1, timestamp: 0, body: encodeAmf0('publish', 3, null, channel, 'live') }));
  parts.push(w.encode(6, { typeId: 9, streamId: 1, timestamp: 0, body: corpus('avc-sequence-header') }));
  parts.push(w.encode(4, { typeId: 8, streamId: 1, timestamp: 0, body: corpus('aac-sequence-header') }));
  const payload = randomBytes(1 << 20);
  const perFrame = VIDEO_BITRATE / 8 / FPS;
  const audioFrame = Buffer.concat([Buffer.from([0xaf, 0x01]), payload.subarray(0, 370)]);
  let total = 0;
  let audioTime = 0;
  for (let i = 0; total < bytes; i++) {
    const key = i % GOP === 0;
    const size = Math.round(key ? perFrame * 8 : perFrame * 0.85);
    const video = Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1, 0, 0, 0]), payload.subarray(0, size)]);
    const time = Math.round((i * 1000) / FPS);
    const v = w.encode(6, { typeId: 9, streamId: 1, timestamp: time, body: video });
    parts.push(v);
    total += v.length;
    for (; audioTime <= time; audioTime += 1024000 / 48000) {
      const a = w.encode(4, { typeId: 8, streamId: 1, timestamp: Math.round(audioTime), body: audioFrame });
      parts.push(a);
      total += a.length;
    }
  }
  return Buffer.concat(parts);
}

/** Child process: opens `publishers` connections and writes each one's stream as fast as possible. */
async function runLoad(port: number, publishers: number, bytesEach: number): Promise<void> {
  const streams = Array.from({ length: publishers }, (_, i) => buildStream(`bench${i}`, bytesEach));
  process.send!('ready');
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  await Promise.all(
    streams.map(
      (stream) =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => socket.end(stream));
          socket.on('data', () => {});
          socket.on('close', () => resolve());
          socket.on('error', reject);
        }),
    ),
  );
}

async function measure(publishers: number, totalBytes: number): Promise<Record<string, number | string>> {
  let closed = 0;
  let allClosed: () => void;
  const finished = new Promise<void>((resolve) => (allClosed = resolve));
  let frames = 0;
  const server = new RtmpServer({
    port: 0,
    admission: async (r) => ({ ok: true, bucket: 'bench', channel: r.channel, playlistName: 'playlist.m3u8' }),
    sinkFactory: (): ChannelSink => ({
      configure: () => {},
      write: (batch) => {
        frames += batch.length;
        return true;
      },
      close: async () => {
        if (++closed === publishers) allClosed();
      },
    }),
    log: () => {},
  });
  const { port } = await server.listen();
  const bytesEach = Math.floor(totalBytes / publishers);
  const child = fork(new URL(import.meta.url).pathname, ['--load', String(port), String(publishers), String(bytesEach)]);
  await new Promise<void>((resolve) => child.once('message', () => resolve()));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  child.send('go');
  await finished;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await server.close();
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const mb = (bytesEach * publishers) / 1e6;
  return {
    bench: 'rtmp-parse',
    publishers,
    mb: Math.round(mb),
    frames,
    wallSeconds: round(wall),
    cpuSeconds: round(cpuSeconds),
    mbPerSecondWall: round(mb / wall),
    mbPerCpuSecond: round(mb / cpuSeconds),
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

const { values } = parseArgs({
  options: { load: { type: 'boolean' }, mb: { type: 'string', default: '256' }, publishers: { type: 'string', default: '1,16' } },
  allowPositionals: true,
  strict: false,
});
if (values.load) {
  const [port, publishers, bytesEach] = process.argv.slice(-3).map(Number) as [number, number, number];
  await runLoad(port, publishers, bytesEach);
} else {
  for (const n of String(values.publishers).split(',').map(Number)) {
    console.log(JSON.stringify(await measure(n, Number(values.mb) * 1e6)));
  }
}
