import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApiFixture } from '../util/api-server.js';
import { assertPeakRssGrowth, ossErrorCode, rawHttp, v1Authorization } from '../util/fault-http.js';
import { startServerProcess, type ServerProcess } from '../util/livebucket-process.js';

/**
 * Hostile HTTP clients against the real server process, on the API (fastify) and, for reads, the edge (uWS). Stated bound: no hostile request may raise the
 * server's peak RSS by more than 48 MiB, and a legitimate request right after each one still works.
 */
const MEMORY_BOUND = 48 * 1024 * 1024;
const KEY = { id: 'LTAIfaultkey', secret: 'fault-secret-0123456789' };
const BUCKET = 'hostile';

let server: ServerProcess;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'livebucket-faults-http-'));
  server = await startServerProcess({
    LIVEBUCKET_DATA: dir,
    LIVEBUCKET_MUX: 'inline',
    LIVEBUCKET_ACCESS_KEY_ID: KEY.id,
    LIVEBUCKET_ACCESS_KEY_SECRET: KEY.secret,
    LIVEBUCKET_DEFAULT_BUCKET: BUCKET,
  });
  const put = await signedRequest('PUT', `/${BUCKET}/legit.txt`, `/${BUCKET}/legit.txt`, Buffer.from('hello'), {
    'x-oss-object-acl': 'public-read',
  });
  assert.equal(put.status, 200, put.body.toString());
});

after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function signedRequest(
  method: string,
  path: string,
  resource: string,
  body: Buffer = Buffer.alloc(0),
  ossHeaders: Record<string, string> = {},
  extraHead = '',
): ReturnType<typeof rawHttp> {
  const date = new Date().toUTCString();
  const contentType = 'application/octet-stream';
  const authorization = v1Authorization(KEY, method, resource, date, contentType, ossHeaders);
  const headers = Object.entries(ossHeaders).map(([n, v]) => `${n}: ${v}\r\n`).join('');
  const head =
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nDate: ${date}\r\nContent-Type: ${contentType}\r\n` +
    `Content-Length: ${body.length}\r\nAuthorization: ${authorization}\r\n${headers}${extraHead}Connection: close\r\n\r\n`;
  return rawHttp(server.httpPort, Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

/** Both HTTP front ends: the fastify API and the uWebSockets.js edge serve GETs of objects. */
const frontEnds = (): [string, number][] => [
  ['api', server.httpPort],
  ['edge', server.edgePort!],
];

/** The legitimate client beside the attack: an anonymous GET of a public-read object, on both front ends. */
async function assertLegitimateWorks(): Promise<void> {
  for (const [name, port] of frontEnds()) {
    const r = await rawHttp(port, `GET /${BUCKET}/legit.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    assert.equal(r.status, 200, `${name}: legitimate GET failed: ${r.head}`);
    assert.equal(r.body.toString(), 'hello');
  }
}

/** Runs an attack and checks the server's peak RSS rose by at most MEMORY_BOUND meanwhile. */
async function withinMemoryBound<T>(attack: () => Promise<T>): Promise<T> {
  const result = await assertPeakRssGrowth(server.child.pid!, MEMORY_BOUND, attack);
  await assertLegitimateWorks();
  return result;
}

const liveXmlRequest = (xml: string | Buffer) =>
  signedRequest('PUT', `/${BUCKET}/ch1?live`, `/${BUCKET}/ch1?live`, Buffer.isBuffer(xml) ? xml : Buffer.from(xml));

test('oversize XML body: MalformedXML (or EntityTooLarge), memory bounded', async () => {
  const body = Buffer.from(`<LiveChannelConfiguration><Description>${'a'.repeat(3 << 20)}</Description></LiveChannelConfiguration>`);
  const r = await withinMemoryBound(() => liveXmlRequest(body));
  assert.ok(r.status === 400 || r.status === 413, r.head);
  assert.ok(['MalformedXML', 'EntityTooLarge', 'InvalidArgument'].includes(ossErrorCode(r.body) ?? ''), r.body.toString());
});

test('XML bombs and external entities: MalformedXML, nothing expanded or fetched', async () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('') +
    ']><LiveChannelConfiguration><Description>&lol9;</Description><Target><Type>HLS</Type></Target></LiveChannelConfiguration>';
  const bombs = [
    laughs,
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><LiveChannelConfiguration><Description>&xxe;</Description><Target><Type>HLS</Type></Target></LiveChannelConfiguration>',
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd"> %p;]><LiveChannelConfiguration/>',
    // Lower-case and whitespace variants of the declaration.
    '<?xml version="1.0"?>\n<!doctype x [ <!entity a "b"> ]><LiveChannelConfiguration><Description>&a;</Description></LiveChannelConfiguration>',
    // Deep nesting: a recursive parser must not blow its stack into a 500.
    `<LiveChannelConfiguration>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</LiveChannelConfiguration>`,
    // Very many siblings.
    `<Delete>${'<Object><Key>k</Key></Object>'.repeat(40_000)}</Delete>`,
  ];
  for (const xml of bombs) {
    const r = await withinMemoryBound(() => liveXmlRequest(xml));
    assert.equal(r.status, 400, `${xml.slice(0, 80)}: ${r.head}`);
    assert.equal(ossErrorCode(r.body), 'MalformedXML', `${xml.slice(0, 80)}: ${r.body}`);
    assert.ok(!r.body.toString().includes('root:'), 'a file was expanded into the response');
  }
});

test('traversal, NUL and over-long keys are refused and never stored', async () => {
  const cases: { path: string; key: string }[] = [
    { path: `/${BUCKET}/../escape`, key: '../escape' },
    { path: `/${BUCKET}/%2e%2e/escape`, key: '../escape' },
    { path: `/${BUCKET}/%2e%2e%2f%2e%2e%2fescape`, key: '../../escape' },
    { path: `/${BUCKET}/a/../../escape`, key: 'a/../../escape' },
    { path: `/${BUCKET}/a/./b`, key: 'a/./b' },
    { path: `/${BUCKET}/..%5cescape`, key: '..\\escape' },
    { path: `/${BUCKET}/a%00b`, key: 'a\0b' },
    { path: `/${BUCKET}/%2fabs`, key: '/abs' },
    { path: `/${BUCKET}/${'k'.repeat(1024)}`, key: 'k'.repeat(1024) },
    { path: `/${BUCKET}/${'%E4%B8%AD'.repeat(342)}`, key: '中'.repeat(342) },
  ];
  for (const { path, key } of cases) {
    const r = await withinMemoryBound(() => signedRequest('PUT', path, `/${BUCKET}/${key}`, Buffer.from('x')));
    assert.equal(r.status, 400, `${path.slice(0, 60)}: ${r.head}\n${r.body}`);
    assert.ok(['InvalidObjectName', 'InvalidArgument', 'KeyTooLong'].includes(ossErrorCode(r.body) ?? ''), `${path.slice(0, 60)}: ${r.body}`);
    for (const [name, port] of frontEnds()) {
      const get = await rawHttp(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assert.ok(get.status >= 400 && get.status < 500, `${name}: GET ${path.slice(0, 60)}: ${get.head}`);
    }
  }
  // An unsigned path that climbs out of the bucket into the data dir's own files.
  for (const path of ['/../meta.db', '/%2e%2e/meta.db', `/${BUCKET}/..%2f..%2fmeta.db`, '/..%2froot-key.json', `/${BUCKET}/../../root-key.json`]) {
    for (const [name, port] of frontEnds()) {
      const get = await rawHttp(port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      assert.ok(get.status >= 400 && get.status < 500, `${name}: GET ${path}: ${get.head}`);
      assert.ok(!get.body.includes('SQLite format') && !get.body.includes('secret'), `${name}: GET ${path} leaked a file`);
    }
  }
  const list = await signedRequest('GET', `/${BUCKET}/?max-keys=1000`, `/${BUCKET}/`);
  assert.equal(list.status, 200, list.head);
  const keys = [...list.body.toString().matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]);
  assert.deepEqual(keys, ['legit.txt']);
});

test('bad Range headers: whole object, a correct 206 or 416, never a 5xx or a wrong body', async () => {
  const body = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
  const put = await signedRequest('PUT', `/${BUCKET}/range.bin`, `/${BUCKET}/range.bin`, body, { 'x-oss-object-acl': 'public-read' });
  assert.equal(put.status, 200);
  const ranges = [
    'bytes=999-1', 'bytes=-0', 'bytes=abc', 'bytes=0-1,2-3', 'bytes=99999999999999999999-', 'bytes=1000-', 'bytes=1000-2000',
    'bytes=-99999999999999999999', 'bytes=0-99999999999999999999', 'bytes=--1', 'bytes= 1-2', 'bits=0-1', 'bytes=0x10-0x20',
    'bytes=1e3-', 'bytes=-', 'bytes=0-0', 'bytes=999-', 'bytes=-1', `bytes=${'0-1,'.repeat(2000)}0-1`, 'bytes=\u00ff-1',
  ];
  for (const [name, port] of frontEnds()) for (const range of ranges) {
    const r = await rawHttp(
      port,
      Buffer.from(`GET /${BUCKET}/range.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: ${range}\r\nConnection: close\r\n\r\n`, 'latin1'),
    );
    assert.ok([200, 206, 416].includes(r.status), `${name}: ${range.slice(0, 40)}: ${r.head}`);
    if (r.status === 200) assert.ok(r.body.equals(body), `${name}: ${range.slice(0, 40)}: 200 with a partial body`);
    if (r.status === 206) {
      const m = /\r\ncontent-range: bytes (\d+)-(\d+)\/1000/i.exec(r.head);
      assert.ok(m, `${name}: ${range}: 206 without a Content-Range: ${r.head}`);
      assert.ok(r.body.equals(body.subarray(Number(m[1]), Number(m[2]) + 1)), `${name}: ${range}: 206 body does not match its Content-Range`);
    }
  }
  await assertLegitimateWorks();
});

test('header floods: many headers, a huge header, a huge request line are refused', async () => {
  const many = Array.from({ length: 5000 }, (_, i) => `x-h${i}: v\r\n`).join('');
  const floods = [
    `GET /${BUCKET}/legit.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n${many}\r\n`,
    `GET /${BUCKET}/legit.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nx-oss-meta-big: ${'a'.repeat(1 << 20)}\r\n\r\n`,
    `GET /${BUCKET}/${'a'.repeat(1 << 20)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    `GET /${BUCKET}/legit.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n${'Authorization: OSS a:b\r\n'.repeat(500)}\r\n`,
  ];
  for (const [name, port] of frontEnds()) for (const flood of floods) {
    const r = await withinMemoryBound(() => rawHttp(port, flood));
    assert.ok(r.status === 0 || (r.status >= 400 && r.status < 500), `${name}: ${flood.slice(0, 60)}: ${r.head.slice(0, 200)}`);
  }
});

test('slowloris: hundreds of trickling connections do not starve a legitimate client', async () => {
  const sockets: Socket[] = [];
  await withinMemoryBound(async () => {
    for (let i = 0; i < 300; i++) {
      const s = connect({ host: '127.0.0.1', port: i % 2 === 0 ? server.httpPort : server.edgePort! });
      s.on('error', () => undefined);
      s.write(`GET /${BUCKET}/legit.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
      sockets.push(s);
    }
    // A body slowloris too: headers complete, the body never comes.
    for (let i = 0; i < 50; i++) {
      const s = connect({ host: '127.0.0.1', port: i % 2 === 0 ? server.httpPort : server.edgePort! });
      s.on('error', () => undefined);
      s.write(`PUT /${BUCKET}/slow HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000000\r\n\r\nabc`);
      sockets.push(s);
    }
    for (let round = 0; round < 5; round++) {
      for (const s of sockets) if (!s.destroyed) s.write(`x-t${round}: 1\r\n`.slice(0, 3));
      await assertLegitimateWorks();
      await sleep(500);
    }
  });
  for (const s of sockets) s.destroy();
});

test('the API bounds how long a connection may hold partial headers or a stalled body', async () => {
  // Waiting out real timeouts would take minutes, so the configured values are what is checked.
  const fixture = await startApiFixture();
  try {
    const s = fixture.app.server;
    assert.ok(s.headersTimeout > 0 && s.headersTimeout <= 60_000, `headersTimeout ${s.headersTimeout}`);
    // A request whose body stalls: either a whole-request deadline or a socket inactivity timeout.
    const bodyBound = Math.min(s.requestTimeout || Infinity, s.timeout || Infinity);
    assert.ok(bodyBound <= 300_000, `a stalled request body is held forever (requestTimeout ${s.requestTimeout}, timeout ${s.timeout})`);
  } finally {
    await fixture.close();
  }
});

test('an unauthenticated client cannot make the server buffer a large body', async () => {
  const size = 64 << 20;
  const r = await withinMemoryBound(
    () =>
      new Promise<number>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: server.httpPort });
        let status = 0;
        s.on('data', (c: Buffer) => {
          status ||= Number(/^HTTP\/1\.1 (\d{3})/.exec(c.toString('latin1'))?.[1] ?? 0);
          s.destroy();
        });
        s.on('error', () => undefined);
        s.on('close', () => resolve(status));
        s.write(`PUT /${BUCKET}/big HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${size}\r\n\r\n`);
        const chunk = Buffer.alloc(1 << 20, 0x61);
        let sent = 0;
        const pump = (): void => {
          while (sent < size && !s.destroyed) {
            sent += chunk.length;
            if (!s.write(chunk)) {
              s.once('drain', pump);
              return;
            }
          }
        };
        pump();
      }),
  );
  assert.equal(r, 403);
});
