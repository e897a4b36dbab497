import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { readIntoSharedBuffer } from '../../engine/rtmp/shared-reads.js';

interface Received {
  socket: Socket;
  hash: ReturnType<typeof createHash>;
  bytes: number;
  closed: Promise<void>;
}

/** A server whose sockets read through the shared buffer, hashing what each receives. */
async function startServer(onAccept: (r: Received) => void = () => {}): Promise<{ server: Server; port: number }> {
  const server = createServer({ pauseOnConnect: true }, (accepted) => {
    const hash = createHash('sha256');
    const received: Partial<Received> = { hash, bytes: 0 };
    const socket = readIntoSharedBuffer(accepted, (data) => {
      hash.update(data);
      received.bytes! += data.length;
    });
    received.socket = socket;
    received.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    onAccept(received as Received);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

function send(port: number, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const client = connect(port, '127.0.0.1', () => client.end(payload));
    client.on('error', reject);
    client.on('close', () => resolve());
  });
}

describe('reads into the shared buffer', () => {
  it('delivers every byte of concurrent connections intact, though their reads share one buffer', async () => {
    const accepted: Received[] = [];
    const { server, port } = await startServer((r) => accepted.push(r));
    const payloads = [0x11, 0x22, 0x33, 0x44].map((seed, i) => {
      const b = Buffer.alloc(3_000_000 + i * 777);
      for (let j = 0; j < b.length; j++) b[j] = (seed + j * 31 + (j >> 9)) & 0xff;
      return b;
    });
    await Promise.all(payloads.map((p) => send(port, p)));
    await Promise.all(accepted.map((r) => r.closed));
    const expected = payloads.map((p) => createHash('sha256').update(p).digest('hex')).sort();
    assert.deepEqual(accepted.map((r) => r.hash.digest('hex')).sort(), expected);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('counts the connection on its server until the socket closes, so close() waits for it', async () => {
    let received!: Received;
    const { server, port } = await startServer((r) => (received = r));
    const client = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    while (!received) await new Promise((resolve) => setTimeout(resolve, 5));
    const count = await new Promise<number>((resolve, reject) => server.getConnections((e, n) => (e ? reject(e) : resolve(n))));
    assert.equal(count, 1);
    let serverClosed = false;
    const closing = new Promise<void>((resolve) => server.close(() => resolve())).then(() => (serverClosed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(serverClosed, false, 'server.close() completed while a connection was open');
    client.end();
    await received.closed;
    await closing;
  });

  it('reads nothing while paused and resumes where it stopped', async () => {
    let received!: Received;
    const { server, port } = await startServer((r) => {
      received = r;
      r.socket.pause();
    });
    const payload = Buffer.alloc(200_000, 7);
    const sent = send(port, payload);
    while (!received) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(received.bytes, 0);
    received.socket.resume();
    await sent;
    await received.closed;
    assert.equal(received.bytes, payload.length);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
