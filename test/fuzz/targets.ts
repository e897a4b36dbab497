import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAacConfig } from '../../engine/flv/aac-config.js';
import { newAudioTagHeader, readAudioTagHeader } from '../../engine/flv/audio-tag.js';
import { parseAvcConfig } from '../../engine/flv/avc-config.js';
import { FlvError } from '../../engine/flv/flv-error.js';
import { parseSps } from '../../engine/flv/sps.js';
import { newVideoTagHeader, readVideoTagHeader } from '../../engine/flv/video-tag.js';
import { FlvIngest, newPublishStats } from '../../engine/ingest/flv-ingest.js';
import type { ChannelSink } from '../../engine/ingest/sink.js';
import type { MediaFrame } from '../../engine/media/types.js';
import { decodeAmf0 } from '../../engine/rtmp/amf0.js';
import { ChunkReader } from '../../engine/rtmp/chunk-reader.js';
import { DEFAULT_RTMP_LIMITS } from '../../engine/rtmp/limits.js';
import { decodeCommand } from '../../engine/rtmp/messages/command.js';
import { resolvePublishTarget } from '../../engine/rtmp/publish-target.js';
import { RtmpError } from '../../engine/rtmp/rtmp-error.js';
import { resolveAddress } from '../../server/api/addressing.js';
import { authenticate } from '../../server/api/auth/authenticate.js';
import type { KeyProvider } from '../../server/api/auth/keys.js';
import { OssError } from '../../server/api/errors.js';
import { parseLiveChannelConfiguration } from '../../server/api/ops/live-channel-config.js';
import { parseQuery } from '../../server/api/query.js';
import { parseXmlBody } from '../../server/api/xml.js';

/** The repository root (targets are compiled to dist/test/fuzz). */
export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;

/** Where a target's own seeds and every crash input it produced live. */
export function ownCorpusDir(target: string): string {
  return join(REPO_ROOT, 'test', 'fuzz', 'corpus', target);
}

/** Output that breaks a parser's contract (as opposed to a refusal with its typed error). */
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new InvariantViolation(message);
}

export interface FuzzTarget {
  readonly name: string;
  /** What the input bytes mean. */
  readonly format: string;
  /** Seed inputs besides the target's own corpus dir (typically the owner's corpus beside the parser). */
  readonly seeds: () => Uint8Array[];
  readonly dictionary: readonly string[];
  readonly maxLength: number;
  /** Peak heap + ArrayBuffer growth one call may cause, bytes. */
  readonly memoryLimit: number;
  /** The refusal this parser is allowed to throw; anything else is a crash. */
  readonly expected: (error: unknown) => boolean;
  /** Runs the parser on one input; the returned string names the behaviour seen, for corpus feedback. */
  readonly run: (input: Uint8Array) => string;
}

/** `*.bin` files of a repo-relative dir (absent dir = none). */
export function readCorpusDir(dir: string, match: RegExp = /\.bin$/): { name: string; bytes: Buffer }[] {
  const abs = join(REPO_ROOT, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs)
    .filter((f) => match.test(f))
    .sort()
    .map((f) => ({ name: f, bytes: readFileSync(join(abs, f)) }));
}

const FLV_CORPUS = 'engine/flv/corpus';
const MiB = 1 << 20;

/** engine/flv/corpus files are `[FLV tag type][tag body]`. */
function flvTags(): { type: number; body: Buffer }[] {
  return readCorpusDir(FLV_CORPUS).map(({ bytes }) => ({ type: bytes[0]!, body: bytes.subarray(1) }));
}

function avcRecords(): Buffer[] {
  const h = newVideoTagHeader();
  const out: Buffer[] = [];
  for (const { type, body } of flvTags()) {
    if (type !== 9) continue;
    readVideoTagHeader(body, h);
    if (h.kind === 'sequence-header' && h.avc) out.push(body.subarray(h.dataOffset));
  }
  return out;
}

function audioConfigs(): Buffer[] {
  const h = newAudioTagHeader();
  const out: Buffer[] = [];
  for (const { type, body } of flvTags()) {
    if (type !== 8) continue;
    readAudioTagHeader(body, h);
    if (h.kind === 'sequence-header' && h.aac) out.push(body.subarray(h.dataOffset));
  }
  return out;
}

const isRtmpError = (e: unknown): boolean => e instanceof RtmpError;
const isFlvError = (e: unknown): boolean => e instanceof FlvError;
const isOssError = (e: unknown): boolean => e instanceof OssError;

/** FNV-1a, to compare message bodies between two readers without keeping them. */
function fnv(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Feeds `input` to a fresh ChunkReader in pieces of `sizes` (cycled); returns messages and the error. */
function readChunks(input: Uint8Array, sizes: readonly number[]): { messages: string[]; error: unknown } {
  const messages: string[] = [];
  const reader = new ChunkReader(DEFAULT_RTMP_LIMITS, (typeId, streamId, timestamp, body) => {
    check(body.length <= DEFAULT_RTMP_LIMITS.maxMessageSize, `message of ${body.length} bytes passed the limit`);
    messages.push(`${typeId}/${streamId}/${timestamp}/${body.length}/${fnv(body)}`);
  });
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  try {
    for (let pos = 0, i = 0; pos < buf.length; i++) {
      const n = sizes[i % sizes.length]!;
      reader.push(buf.subarray(pos, pos + n));
      pos += n;
    }
    return { messages, error: undefined };
  } catch (error) {
    if (!isRtmpError(error)) throw error;
    return { messages, error };
  }
}

const chunk: FuzzTarget = {
  name: 'chunk',
  format: 'RTMP chunk stream after the handshake (server side, default limits)',
  seeds: () => readCorpusDir('engine/rtmp/corpus/chunk').map((f) => f.bytes),
  dictionary: ['\x02\x00\x00\x00\x00\x00\x04\x01\x00\x00\x00\x00', '\xff\xff\xff', '\x00\x00\x10\x00', '\x7f\xff\xff\xff', '\xc3', '\x43', '\x83'],
  maxLength: 64 * 1024,
  // Two readers, each allowed 2 x 8 MiB of unfinished messages, plus arena slabs.
  memoryLimit: 40 * MiB,
  expected: isRtmpError,
  run(input) {
    // The same bytes must give the same messages however TCP splits them.
    const whole = readChunks(input, [input.length || 1]);
    const split = readChunks(input, [1, 3, 7, 2, 13, 5, 18, 11]);
    check(
      whole.messages.length === split.messages.length && whole.messages.every((m, i) => m === split.messages[i]),
      `split delivery gave other messages: ${whole.messages.length} whole vs ${split.messages.length} split`,
    );
    check((whole.error === undefined) === (split.error === undefined), `split delivery changed the outcome: ${String(whole.error)} vs ${String(split.error)}`);
    if (whole.error) throw whole.error;
    return [...new Set(whole.messages.map((m) => m.split('/')[0]))].sort().join(',');
  },
};

const amf0: FuzzTarget = {
  name: 'amf0',
  format: 'AMF0 values (a command or data message body)',
  seeds: () => readCorpusDir('engine/rtmp/corpus/amf0').map((f) => f.bytes),
  dictionary: ['\x03', '\x08\x00\x00\x00\x01', '\x0a\xff\xff\xff\xff', '\x00\x00\x09', '\x07\x00\x00', '\x10\x00\x01X', '\x0c\xff\xff\xff\xff', '\x02\x00\x07publish'],
  maxLength: 16 * 1024,
  memoryLimit: 32 * MiB,
  expected: isRtmpError,
  run(input) {
    const values = decodeAmf0(input);
    const command = decodeCommand(20, input);
    return `${values.length > 8 ? 'many' : values.length}:${[...new Set(values.map((v) => typeof v))].sort().join(',')}:${command.name.length > 0}`;
  },
};

const flvTag: FuzzTarget = {
  name: 'flv-tag',
  format: '[FLV tag type 8|9][tag body]: tag header, then the sequence header it carries',
  seeds: () => readCorpusDir(FLV_CORPUS).map((f) => f.bytes),
  dictionary: ['\x09\x17\x00', '\x09\x17\x01', '\x08\xaf\x00', '\x08\xaf\x01', '\x90avc1', '\x93avc1', '\x91hvc1', '\x90mp4a', '\x96', '\x97'],
  maxLength: 4096,
  memoryLimit: 8 * MiB,
  expected: isFlvError,
  run(input) {
    const body = input.subarray(1);
    if (input[0] === 8) {
      const h = newAudioTagHeader();
      readAudioTagHeader(body, h);
      check(h.dataOffset <= body.length, `audio dataOffset ${h.dataOffset} past a ${body.length}-byte body`);
      if (h.aac && h.kind === 'sequence-header') parseAacConfig(body.subarray(h.dataOffset));
      return `a:${h.kind}:${h.aac}`;
    }
    const h = newVideoTagHeader();
    readVideoTagHeader(body, h);
    check(h.dataOffset <= body.length, `video dataOffset ${h.dataOffset} past a ${body.length}-byte body`);
    check(Number.isInteger(h.compositionTime), 'composition time is not an integer');
    if (h.avc && h.kind === 'sequence-header') parseAvcConfig(body.subarray(h.dataOffset));
    return `v:${h.kind}:${h.avc}:${h.frameType}`;
  },
};

const avcConfig: FuzzTarget = {
  name: 'avc-config',
  format: 'AVCDecoderConfigurationRecord',
  seeds: avcRecords,
  dictionary: ['\x01\x64\x00\x1f\xff\xe1', '\x67\x64\x00\x1f', '\x68', '\xe1\x00\x18', '\x01\x00\x04'],
  maxLength: 4096,
  memoryLimit: 8 * MiB,
  expected: isFlvError,
  run(input) {
    const c = parseAvcConfig(input);
    check(c.width > 0 && c.height > 0 && Number.isFinite(c.width) && Number.isFinite(c.height), `size ${c.width}x${c.height}`);
    check([1, 2, 4].includes(c.nalLengthSize), `NAL length size ${c.nalLengthSize}`);
    check(c.sps.length > 0, 'no SPS');
    return `${c.nalLengthSize}:${c.sps.length}:${c.pps.length}:${c.frameRate !== undefined}`;
  },
};

const sps: FuzzTarget = {
  name: 'sps',
  format: 'H.264 SPS NAL unit (with its NAL header byte)',
  seeds: () => avcRecords().map((r) => Buffer.from(parseAvcConfig(r).sps[0]!)),
  dictionary: ['\x67', '\x00\x00\x03', '\x64', '\x42', '\x4d', '\x80', '\x00\x00\x00\x01'],
  maxLength: 1024,
  memoryLimit: 8 * MiB,
  expected: isFlvError,
  run(input) {
    const s = parseSps(input);
    check(s.width > 0 && s.height > 0 && Number.isSafeInteger(s.width) && Number.isSafeInteger(s.height), `size ${s.width}x${s.height}`);
    check(s.frameRate === undefined || (Number.isFinite(s.frameRate) && s.frameRate > 0), `frame rate ${s.frameRate}`);
    return `${s.profile}:${s.frameRate !== undefined}`;
  },
};

const aacConfig: FuzzTarget = {
  name: 'aac-config',
  format: 'AAC AudioSpecificConfig',
  seeds: audioConfigs,
  dictionary: ['\x12\x10', '\x2b\x92\x08\x80', '\xf8', '\x17\x80'],
  maxLength: 64,
  memoryLimit: 8 * MiB,
  expected: isFlvError,
  run(input) {
    const c = parseAacConfig(input);
    check(c.sampleRate > 0 && Number.isInteger(c.sampleRate), `sample rate ${c.sampleRate}`);
    check(c.objectType > 0, `object type ${c.objectType}`);
    return `${c.objectType}:${c.samplingFrequencyIndex}:${c.channels}`;
  },
};

/**
 * Input: records `[type u8][timestamp u32 BE][length u16 BE][body]`. Seeds interleave the FLV corpus tags
 * with rising timestamps, so mutations start from a publish that configures and delivers frames.
 */
function ingestSeeds(): Uint8Array[] {
  const record = (type: number, ts: number, body: Uint8Array): Buffer => {
    const head = Buffer.alloc(7);
    head[0] = type;
    head.writeUInt32BE(ts >>> 0, 1);
    head.writeUInt16BE(Math.min(body.length, 0xffff), 5);
    return Buffer.concat([head, body.subarray(0, 0xffff)]);
  };
  // Only what the pipeline muxes: an HEVC tag would end every seed at its first frame.
  const vh = newVideoTagHeader();
  const tags = flvTags().filter((t) => {
    if (t.type !== 9) return true;
    readVideoTagHeader(t.body, vh);
    return vh.avc || vh.kind === 'other';
  });
  const headers = tags.filter((t) => (t.body[1] === 0 && t.type === 8) || (t.type === 9 && t.body[1] === 0) || t.body[0] === 0x90);
  const frames = tags.filter((t) => !headers.includes(t));
  const seeds: Uint8Array[] = [];
  for (const start of [0, 0xfffff000]) {
    const parts = headers.map((t) => record(t.type, start, t.body));
    frames.forEach((t, i) => parts.push(record(t.type, start + i * 33, t.body)));
    seeds.push(Buffer.concat(parts));
  }
  return seeds;
}

class RecordingSink implements ChannelSink {
  configured = false;
  readonly last = { video: -Infinity, audio: -Infinity };
  frames = 0;
  configure(): void {
    this.configured = true;
  }
  write(frames: readonly MediaFrame[]): boolean {
    check(this.configured, 'frames before configure');
    for (const f of frames) {
      check(f.data.length > 0, 'empty frame delivered');
      check(Number.isFinite(f.dts) && Number.isFinite(f.pts), `timestamps ${f.dts}/${f.pts}`);
      check(f.dts >= this.last[f.track], `${f.track} DTS went back from ${this.last[f.track]} to ${f.dts}`);
      this.last[f.track] = f.dts;
      this.frames++;
    }
    return true;
  }
  async close(): Promise<void> {}
}

const flvIngest: FuzzTarget = {
  name: 'flv-ingest',
  format: 'records [type u8][timestamp u32 BE][length u16 BE][body] fed to FlvIngest, flushed every 3 tags',
  seeds: ingestSeeds,
  dictionary: ['\x09\xff\xff\xff\xff', '\x08\x00\x00\x00\x00', '\x09\x80\x00\x00\x00', '\x09\x00\x00\x00\x00\x00\x05\x17\x01\x00\x00\x00'],
  maxLength: 16 * 1024,
  memoryLimit: 8 * MiB,
  expected: isFlvError,
  run(input) {
    const sink = new RecordingSink();
    const ingest = new FlvIngest(sink, newPublishStats());
    let tags = 0;
    for (let pos = 0; pos + 7 <= input.length; ) {
      const type = input[pos]!;
      const ts = ((input[pos + 1]! << 24) | (input[pos + 2]! << 16) | (input[pos + 3]! << 8) | input[pos + 4]!) >>> 0;
      const len = (input[pos + 5]! << 8) | input[pos + 6]!;
      const body = input.subarray(pos + 7, pos + 7 + len);
      pos += 7 + len;
      ingest.push(type, ts, body);
      if (++tags % 3 === 0) ingest.flush();
    }
    ingest.flush();
    return `${sink.configured}:${Math.min(sink.frames, 4)}`;
  },
};

const XML_ROOTS = ['Delete', 'CreateBucketConfiguration'];

const xml: FuzzTarget = {
  name: 'xml',
  format: 'an API request body (PutLiveChannel, DeleteMultipleObjects, PutBucket)',
  seeds: () => [],
  dictionary: ['<!DOCTYPE x [<!ENTITY a "aaaa">]>', '&a;', '&amp;', '&#x41;', '&#1114112;', '<![CDATA[', ']]>', '<?xml version="1.0"?>', '<Target>', '</Target>', '<Object><Key>', '<Snapshot>', '<!--', '-->', '<a:b xmlns:a="x">'],
  maxLength: 64 * 1024,
  memoryLimit: 32 * MiB,
  expected: isOssError,
  run(input) {
    const body = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const seen: string[] = [];
    for (const root of XML_ROOTS) {
      try {
        const doc = parseXmlBody(body, root);
        check(typeof doc === 'object' && doc !== null, `${root} parsed to ${typeof doc}`);
        seen.push(root);
      } catch (error) {
        if (!isOssError(error)) throw error;
      }
    }
    let live = 'refused';
    try {
      const config = parseLiveChannelConfiguration(body);
      check(config.fragCount >= 1 && config.fragCount <= 100 && config.fragDuration >= 1 && config.fragDuration <= 100, 'frag parameters out of range');
      check(config.playlistName.endsWith('.m3u8') && !config.playlistName.includes('/'), `playlist name ${config.playlistName}`);
      live = `${config.status}:${config.description.length > 0}`;
    } catch (error) {
      if (!isOssError(error)) throw error;
      live = (error as OssError).code;
    }
    return `${live}:${seen.join(',')}`;
  },
};

/** The key every auth seed was signed with. */
export const FUZZ_KEY = { id: 'LTAIfuzzkey', secret: 'fuzz-secret-0123456789' } as const;
const fuzzKeys: KeyProvider = (id) =>
  id === FUZZ_KEY.id ? FUZZ_KEY.secret : id === 'sts' ? { secret: FUZZ_KEY.secret, securityToken: 'token' } : undefined;

/**
 * Input text: line 1 the request time (epoch ms), line 2 `METHOD /path?query`, then `name: value` headers.
 * The request is parsed as the API does (a malformed path or query is an OSS refusal); authenticate()
 * itself must never throw: every verdict is a result.
 */
function runAuth(input: Uint8Array): string {
  const lines = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8').split('\n');
  const now = Number(lines[0]);
  const [method = 'GET', target = '/'] = (lines[1] ?? '').split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines.slice(2)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const q = target.indexOf('?');
  let request;
  try {
    const address = resolveAddress(headers['host'] ?? '127.0.0.1', q < 0 ? target : target.slice(0, q), []);
    request = { method, bucket: address.bucket, key: address.key, query: parseQuery(q < 0 ? '' : target.slice(q + 1)), headers, now };
  } catch (error) {
    if (isOssError(error)) return 'bad-request';
    throw error;
  }
  const result = authenticate(request, fuzzKeys);
  if (result.ok) return `ok:${result.accessKeyId !== undefined}`;
  check(result.error.status >= 400 && result.error.status < 500, `authentication failed with status ${result.error.status}`);
  return `${result.error.status}:${result.error.code}`;
}

const authDictionary = ['OSS ', 'OSS4-HMAC-SHA256 ', 'Credential=', ',Signature=', ',AdditionalHeaders=', 'aliyun_v4_request', '%', '%2F', '%ZZ', '&', '=', 'x-oss-signature=', 'OSSAccessKeyId=', 'Expires=', 'x-oss-expires=', '\nx-oss-date: ', '\nauthorization: ', ':', ';', '\u00ff'];

const authV1: FuzzTarget = {
  name: 'auth-v1',
  format: 'request time, request line and headers carrying a V1 signature (header or presigned URL)',
  seeds: () => [],
  dictionary: authDictionary,
  maxLength: 8192,
  memoryLimit: 16 * MiB,
  expected: () => false,
  run: runAuth,
};

const authV4: FuzzTarget = { ...authV1, name: 'auth-v4', format: authV1.format.replace('V1', 'V4') };

const publishTarget: FuzzTarget = {
  name: 'publish-target',
  format: 'connect app, tcUrl and publish stream name, one per line',
  seeds: () => [],
  dictionary: ['live', '/', '?', '&', '=', '%', '%2F', '%00', 'rtmp://', '.oss-cn-hangzhou.aliyuncs.com', 'playlistName=', '__proto__', '+'],
  maxLength: 8192,
  memoryLimit: 16 * MiB,
  expected: () => false,
  run(input) {
    const [app = '', tcUrl = '', name = ''] = Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8').split('\n');
    const t = resolvePublishTarget(app, tcUrl, name, { defaultBucket: 'default-bucket', serviceDomains: ['example.com'] });
    if ('error' in t) return 'refused';
    check(t.channel !== '', 'empty channel accepted');
    check(Object.getPrototypeOf(t.params) === Object.prototype, 'params prototype changed');
    return `ok:${t.bucket === undefined ? 'none' : t.bucket === 'default-bucket' ? 'default' : 'named'}:${Object.keys(t.params).length > 0}`;
  },
};

export const TARGETS: readonly FuzzTarget[] = [chunk, amf0, flvTag, avcConfig, sps, aacConfig, flvIngest, xml, authV1, authV4, publishTarget];

export function findTarget(name: string): FuzzTarget {
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`unknown fuzz target '${name}' (known: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
