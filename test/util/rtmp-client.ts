import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Amf0Object, Amf0Value } from '../../engine/rtmp/amf0.js';
import { ChunkReader } from '../../engine/rtmp/chunk-reader.js';
import { ChunkWriter } from '../../engine/rtmp/chunk-writer.js';
import { decodeCommand, encodeCommand, TYPE_COMMAND_AMF0 } from '../../engine/rtmp/messages/command.js';
import { encodeSetChunkSize, TYPE_SET_CHUNK_SIZE } from '../../engine/rtmp/messages/set-chunk-size.js';
import { CSID_COMMAND, CSID_PROTOCOL_CONTROL, type RtmpMessage } from '../../engine/rtmp/rtmp-message.js';

export interface ReceivedCommand {
  readonly name: string;
  readonly transactionId: number;
  readonly args: Amf0Value[];
}

/** onStatus info objects carry level/code/description. */
export interface StatusInfo {
  readonly level: string;
  readonly code: string;
  readonly description: string;
}

/**
 * A minimal RTMP publishing client (plain handshake) for tests and benchmarks: it speaks just enough of
 * the conversation to publish, records the commands the server sends, and can write raw bytes.
 */
export class RtmpTestClient {
  readonly commands: ReceivedCommand[] = [];
  /** Every message received, in order (protocol control, user control, commands). */
  readonly messages: RtmpMessage[] = [];
  readonly writer = new ChunkWriter();
  closed = false;
  private readonly waiters: (() => void)[] = [];
  private handshakeLeft = 1 + 2 * 1536;
  private readonly reader = new ChunkReader({ maxMessageSize: 1 << 24, maxChunkSize: 1 << 24, maxChunkStreams: 64 }, (typeId, streamId, timestamp, body) => {
    this.messages.push({ typeId, streamId, timestamp, body });
    if (typeId === TYPE_COMMAND_AMF0) {
      const c = decodeCommand(typeId, body);
      this.commands.push({ name: c.name, transactionId: c.transactionId, args: c.args });
    }
    this.wake();
  });

  private constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      if (this.handshakeLeft > 0) {
        const n = Math.min(this.handshakeLeft, data.length);
        this.handshakeLeft -= n;
        data = data.subarray(n);
        if (this.handshakeLeft > 0 || data.length === 0) return this.wake();
      }
      this.reader.push(data);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Opens a TCP connection without handshaking (for malformed-input tests). */
  static async open(port: number): Promise<RtmpTestClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.setNoDelay(true);
    return new RtmpTestClient(socket);
  }

  /** Connects, handshakes, and (unless `app` is undefined) sends connect and waits for its _result. */
  static async connect(port: number, app = 'live', tcUrl = `rtmp://127.0.0.1:${port}/${app}`): Promise<RtmpTestClient> {
    const client = await RtmpTestClient.open(port);
    await client.handshake();
    client.command('connect', 1, { app, tcUrl, type: 'nonprivate', flashVer: 'FMLE/3.0' });
    await client.waitFor((c) => c.name === '_result' && c.transactionId === 1);
    return client;
  }

  async handshake(): Promise<void> {
    const c1 = randomBytes(1536);
    c1.writeUInt32BE(0, 0);
    c1.writeUInt32BE(0, 4);
    this.socket.write(Buffer.concat([Buffer.from([3]), c1]));
    await this.until(() => this.handshakeLeft === 0);
    this.socket.write(randomBytes(1536));
  }

  /** createStream + publish; resolves with the onStatus info the server answered. */
  async publish(streamName: string): Promise<StatusInfo> {
    this.command('releaseStream', 2, null, streamName);
    this.command('FCPublish', 3, null, streamName);
    this.command('createStream', 4, null);
    const created = await this.waitFor((c) => c.name === '_result' && c.transactionId === 4);
    const streamId = created.args[0] as number;
    const body = encodeCommand('publish', 5, null, streamName, 'live');
    this.message(CSID_COMMAND + 5, { typeId: TYPE_COMMAND_AMF0, streamId, timestamp: 0, body });
    return this.status();
  }

  /** The next onStatus the server sends (waits for it). */
  async status(): Promise<StatusInfo> {
    const seen = this.commands.length;
    const c = await this.waitFor((c, i) => c.name === 'onStatus' && i >= seen);
    return c.args[0] as unknown as StatusInfo;
  }

  setChunkSize(size: number): void {
    this.message(CSID_PROTOCOL_CONTROL, { typeId: TYPE_SET_CHUNK_SIZE, streamId: 0, timestamp: 0, body: encodeSetChunkSize(size) });
    this.writer.chunkSize = size;
  }

  command(name: string, transactionId: number, commandObject: Amf0Object | null, ...args: Amf0Value[]): void {
    this.message(CSID_COMMAND, { typeId: TYPE_COMMAND_AMF0, streamId: 0, timestamp: 0, body: encodeCommand(name, transactionId, commandObject, ...args) });
  }

  message(csid: number, message: RtmpMessage): void {
    this.socket.write(this.writer.encode(csid, message));
  }

  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(): Promise<void> {
    await this.until(() => this.closed);
  }

  close(): void {
    this.socket.destroy();
  }

  /** Resolves with the first received message that matches. */
  async waitForMessage(match: (m: RtmpMessage) => boolean): Promise<RtmpMessage> {
    let found: RtmpMessage | undefined;
    await this.until(() => (found = this.messages.find(match)) !== undefined);
    return found!;
  }

  async waitFor(match: (c: ReceivedCommand, index: number) => boolean): Promise<ReceivedCommand> {
    let found: ReceivedCommand | undefined;
    await this.until(() => (found = this.commands.find(match)) !== undefined);
    return found!;
  }

  private async until(done: () => boolean): Promise<void> {
    while (!done()) {
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
