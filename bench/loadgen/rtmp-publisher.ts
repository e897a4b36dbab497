import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { ChunkReader } from '../../engine/rtmp/chunk-reader.js';
import { ChunkWriter } from '../../engine/rtmp/chunk-writer.js';
import { decodeCommand, encodeCommand, TYPE_COMMAND_AMF0, TYPE_COMMAND_AMF3 } from '../../engine/rtmp/messages/command.js';
import { encodeSetChunkSize, TYPE_SET_CHUNK_SIZE } from '../../engine/rtmp/messages/set-chunk-size.js';
import { CSID_COMMAND, CSID_PROTOCOL_CONTROL } from '../../engine/rtmp/rtmp-message.js';
import { PUBLISH_CHUNK_SIZE } from './chunked-clip.js';

const HANDSHAKE = 1536;
const CSID_STREAM_COMMAND = 8;
const READER_LIMITS = { maxMessageSize: 1 << 20, maxChunkSize: 1 << 16, maxChunkStreams: 64 };

export interface PublishTarget {
  readonly host: string;
  readonly port: number;
  /** `live`, or `{bucket}/live` for path-style livebucket URLs. */
  readonly app: string;
  /** Stream name, with `?params` when the URL is signed. */
  readonly stream: string;
}

/**
 * The client half of RTMP publishing, just enough to get to NetStream.Publish.Start: plain handshake,
 * Set Chunk Size, connect, createStream, publish. After that the caller owns the socket's write side.
 */
export class RtmpPublisher {
  private readonly writer = new ChunkWriter();
  private reader: ChunkReader | undefined;
  private waiting: ((name: string, transactionId: number, args: unknown[]) => boolean) | undefined;
  private failure: ((error: Error) => void) | undefined;

  private constructor(readonly socket: Socket) {}

  static async open(target: PublishTarget, timeoutMs = 15_000): Promise<{ publisher: RtmpPublisher; streamId: number }> {
    const socket = connect(target.port, target.host);
    socket.setNoDelay(true);
    const publisher = new RtmpPublisher(socket);
    const timer = setTimeout(() => socket.destroy(new Error(`loadgen: publish of ${target.stream} timed out`)), timeoutMs);
    try {
      const streamId = await publisher.start(target);
      return { publisher, streamId };
    } catch (error) {
      socket.destroy();
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async start(target: PublishTarget): Promise<number> {
    const { socket } = this;
    const closed = new Promise<never>((_, reject) => {
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('loadgen: server closed the connection during publish setup')));
      this.failure = reject;
    });
    closed.catch(() => undefined);
    await Promise.race([new Promise((resolve) => socket.once('connect', resolve)), closed]);
    const c1 = randomBytes(HANDSHAKE);
    c1.writeUInt32BE(0, 0);
    c1.writeUInt32BE(0, 4);
    socket.write(Buffer.concat([Buffer.from([3]), c1]));
    const s0s1s2 = await Promise.race([this.readExactly(1 + 2 * HANDSHAKE), closed]);
    socket.write(s0s1s2.subarray(1, 1 + HANDSHAKE));
    const rest = s0s1s2.subarray(1 + 2 * HANDSHAKE);
    this.reader = new ChunkReader(READER_LIMITS, (typeId, _streamId, _ts, body) => {
      if (typeId !== TYPE_COMMAND_AMF0 && typeId !== TYPE_COMMAND_AMF3) return;
      const command = decodeCommand(typeId, body);
      if (this.waiting?.(command.name, command.transactionId, command.args)) this.waiting = undefined;
    });
    socket.on('data', (data: Buffer) => {
      try {
        this.reader!.push(data);
      } catch (error) {
        this.failure?.(error as Error);
        socket.destroy();
      }
    });
    if (rest.length > 0) this.reader.push(rest);
    socket.write(this.writer.encode(CSID_PROTOCOL_CONTROL, { typeId: TYPE_SET_CHUNK_SIZE, streamId: 0, timestamp: 0, body: encodeSetChunkSize(PUBLISH_CHUNK_SIZE) }));
    this.writer.chunkSize = PUBLISH_CHUNK_SIZE;
    const tcUrl = `rtmp://${target.host}:${target.port}/${target.app}`;
    const connected = this.expect((name, tx) => (name === '_result' || name === '_error') && tx === 1);
    this.command(0, 'connect', 1, { app: target.app, type: 'nonprivate', flashVer: 'FMLE/3.0 (compatible; livebucket-bench)', tcUrl });
    const [connectReply] = await Promise.race([connected, closed]);
    if (connectReply !== '_result') throw new Error(`loadgen: connect refused for ${target.stream}`);
    const created = this.expect((name, tx) => (name === '_result' || name === '_error') && tx === 2);
    this.command(0, 'createStream', 2, null);
    const [, createArgs] = await Promise.race([created, closed]);
    const streamId = typeof createArgs[0] === 'number' ? createArgs[0] : 1;
    const status = this.expect((name) => name === 'onStatus');
    this.command(streamId, 'publish', 3, null, target.stream, 'live');
    const [, statusArgs] = await Promise.race([status, closed]);
    const info = statusArgs[0] as { code?: string; description?: string } | undefined;
    if (info?.code !== 'NetStream.Publish.Start') {
      throw new Error(`loadgen: publish of ${target.stream} refused: ${info?.code} ${info?.description ?? ''}`);
    }
    this.failure = undefined;
    return streamId;
  }

  /** Ends the publish the way encoders do (deleteStream) and closes the connection. */
  finish(streamId: number): void {
    if (this.socket.destroyed) return;
    this.command(0, 'deleteStream', 4, null, streamId);
    this.socket.end();
  }

  private command(streamId: number, name: string, transactionId: number, commandObject: Record<string, string> | null, ...args: (string | number)[]): void {
    const body = encodeCommand(name, transactionId, commandObject, ...args);
    const csid = streamId === 0 ? CSID_COMMAND : CSID_STREAM_COMMAND;
    this.socket.write(this.writer.encode(csid, { typeId: TYPE_COMMAND_AMF0, streamId, timestamp: 0, body }));
  }

  private expect(match: (name: string, transactionId: number) => boolean): Promise<[string, unknown[]]> {
    return new Promise((resolve) => {
      this.waiting = (name, tx, args) => {
        if (!match(name, tx)) return false;
        resolve([name, args]);
        return true;
      };
    });
  }

  private readExactly(length: number): Promise<Buffer> {
    return new Promise((resolve) => {
      let received: Buffer = Buffer.alloc(0);
      const onData = (data: Buffer): void => {
        received = Buffer.concat([received, data]);
        if (received.length < length) return;
        this.socket.off('data', onData);
        resolve(received);
      };
      this.socket.on('data', onData);
    });
  }
}
