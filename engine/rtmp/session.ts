import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { EngineEventBus } from '../events.js';
import { FlvError } from '../flv/flv-error.js';
import { FlvIngest, newPublishStats, UnsupportedVideoCodecError } from '../ingest/flv-ingest.js';
import type { Admission, AdmissionResult, ChannelSink, EndReason, PublishSession, SinkFactory } from '../ingest/sink.js';
import type { Amf0Object, Amf0Value } from './amf0.js';
import { ChunkReader } from './chunk-reader.js';
import { ChunkWriter } from './chunk-writer.js';
import { Handshake } from './handshake.js';
import type { RtmpLimits } from './limits.js';
import { encodeAcknowledgement, TYPE_ACKNOWLEDGEMENT } from './messages/acknowledgement.js';
import { forEachAggregatePart, TYPE_AGGREGATE } from './messages/aggregate.js';
import { type Command, decodeCommand, encodeCommand, TYPE_COMMAND_AMF0, TYPE_COMMAND_AMF3 } from './messages/command.js';
import { decodeData, TYPE_DATA_AMF0, TYPE_DATA_AMF3 } from './messages/data.js';
import { encodeSetChunkSize, TYPE_SET_CHUNK_SIZE } from './messages/set-chunk-size.js';
import { encodeSetPeerBandwidth, LIMIT_DYNAMIC, TYPE_SET_PEER_BANDWIDTH } from './messages/set-peer-bandwidth.js';
import {
  decodeUserControl,
  encodeUserControl,
  EVENT_PING_REQUEST,
  EVENT_PING_RESPONSE,
  EVENT_STREAM_BEGIN,
  TYPE_USER_CONTROL,
} from './messages/user-control.js';
import { decodeWindowAckSize, encodeWindowAckSize, TYPE_WINDOW_ACK_SIZE } from './messages/window-ack-size.js';
import { type PublishTargetOptions, resolvePublishTarget } from './publish-target.js';
import { RtmpError } from './rtmp-error.js';
import { CSID_COMMAND, CSID_PROTOCOL_CONTROL, CSID_STREAM_STATUS, TYPE_AUDIO, TYPE_VIDEO } from './rtmp-message.js';
import { readIntoSharedBuffer } from './shared-reads.js';

/** What a session needs from its server. */
export interface SessionHost {
  readonly limits: RtmpLimits;
  readonly admission: Admission;
  readonly sinkFactory: SinkFactory;
  readonly target: PublishTargetOptions;
  readonly events: EngineEventBus | undefined;
  readonly jumpThresholdMs: number | undefined;
  log(line: string): void;
  /** Registers a live publish; false when the channel already has one. */
  claim(session: RtmpSession, publish: PublishSession): boolean;
  release(publish: PublishSession): void;
  closed(session: RtmpSession): void;
}

/** Our window and chunk size, announced after connect. */
const WINDOW_SIZE = 2_500_000;
const OUT_CHUNK_SIZE = 4096;
/** After a refusal or a kick, how long the peer gets to read our onStatus before the socket is destroyed. */
const LINGER_MS = 2000;

type Held = [typeId: number, streamId: number, timestamp: number, body: Buffer];

/**
 * One RTMP connection: handshake, chunk stream, the publish conversation, then FLV media into a
 * FlvIngest. Each socket read is parsed to the end and its frames are delivered as one batch; when the
 * sink reports saturation the socket is paused until the sink's onDrain.
 */
export class RtmpSession {
  publish: PublishSession | undefined;
  readonly remote: string;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  private handshake: Handshake | undefined = new Handshake();
  private readonly handshakeTimer: NodeJS.Timeout;
  private readonly reader: ChunkReader;
  private readonly writer = new ChunkWriter();
  private sink: ChannelSink | undefined;
  private ingest: FlvIngest | undefined;
  private sinkClosed: Promise<void> = Promise.resolve();
  private app = '';
  private tcUrl = '';
  private nextStreamId = 1;
  /** The message stream the publish runs on; its onStatus messages go there. */
  private publishStreamId = 0;
  /** Messages that arrive while admission decides; replayed in order afterwards. */
  private held: Held[] | undefined;
  private backpressured = false;
  private closing = false;
  private bytesIn = 0;
  private lastAck = 0;
  private ackWindow = WINDOW_SIZE;

  private readonly socket: Socket;

  /** `accepted` comes from a server created with `pauseOnConnect`; the session reads it from here on. */
  constructor(
    accepted: Socket,
    private readonly host: SessionHost,
  ) {
    const socket = readIntoSharedBuffer(accepted, (data) => this.onData(data));
    this.socket = socket;
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const limits = host.limits;
    this.reader = new ChunkReader(limits, (typeId, streamId, timestamp, body) => this.onMessage(typeId, streamId, timestamp, body), this.progress);
    this.handshakeTimer = setTimeout(() => this.fail(new RtmpError(`handshake not completed within ${limits.handshakeTimeoutMs} ms`)), limits.handshakeTimeoutMs);
    socket.setNoDelay(true);
    socket.setTimeout(limits.idleTimeoutMs);
    socket.on('timeout', () => {
      // A paused socket is idle because of us (back-pressure or admission), not because of the peer.
      if (this.closing) socket.destroy();
      else if (this.backpressured || this.held) socket.setTimeout(limits.idleTimeoutMs);
      else this.fail(new RtmpError(`no data for ${limits.idleTimeoutMs} ms`));
    });
    // Resets are how many encoders hang up; 'close' follows and ends the publish as a disconnect.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.closing = true;
        clearTimeout(this.handshakeTimer);
        this.endPublish('disconnect');
        this.host.closed(this);
        resolve();
      }),
    );
  }

  /** Ends the publish (onStatus to the client, then close); resolves when its sink has closed. */
  kick(reason: string): Promise<void> {
    if (this.publish) this.sendStatus(this.publishStreamId, 'error', 'NetStream.Publish.Denied', reason);
    this.host.log(`rtmp ${this.remote}: kicked: ${reason}`);
    this.endPublish('kicked');
    this.linger();
    return this.sinkClosed;
  }

  /** Server shutdown: tells a publisher, closes its sink with 'shutdown'; resolves when the sink closed. */
  shutdown(): Promise<void> {
    if (this.publish) {
      this.sendStatus(this.publishStreamId, 'status', 'NetStream.Unpublish.Success', 'server shutting down');
      this.endPublish('shutdown');
      this.linger();
    } else {
      this.destroy();
    }
    return this.sinkClosed;
  }

  destroy(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private onData(data: Buffer): void {
    if (this.closing) return;
    this.bytesIn += data.length;
    try {
      if (this.handshake) {
        const rest = this.handshake.push(data, (reply) => this.socket.write(reply));
        if (!rest) return;
        this.handshake = undefined;
        clearTimeout(this.handshakeTimer);
        data = rest;
      }
      this.reader.push(data);
      if (this.ingest && !this.ingest.flush()) this.pauseForSink();
      if (this.bytesIn - this.lastAck >= this.ackWindow) {
        this.lastAck = this.bytesIn;
        this.send(CSID_PROTOCOL_CONTROL, TYPE_ACKNOWLEDGEMENT, 0, encodeAcknowledgement(this.bytesIn));
      }
    } catch (e) {
      this.fail(e);
    }
  }

  /**
   * How far the sink has got through the frames it was given (the arena's progress): before a publish
   * every body is handled synchronously, and a sink that does not report keeps every body it got.
   */
  private readonly progress = (): number => (this.sink ? (this.sink.released?.() ?? -Infinity) : 0);

  /** A whole message from the reader: held during admission, else handled and settled with the reader. */
  private onMessage(typeId: number, streamId: number, timestamp: number, body: Buffer): void {
    if (this.held) {
      this.held.push([typeId, streamId, timestamp, body]);
      return;
    }
    this.handle(typeId, streamId, timestamp, body);
    // Frames made from this body are among the first framesIssued the sink gets.
    this.reader.settle(body, this.ingest?.framesIssued ?? 0);
  }

  private handle(typeId: number, streamId: number, timestamp: number, body: Buffer): void {
    switch (typeId) {
      case TYPE_AUDIO:
      case TYPE_VIDEO:
        this.ingest?.push(typeId, timestamp, body);
        return;
      case TYPE_AGGREGATE:
        forEachAggregatePart(body, timestamp, (type, ts, part) => this.handle(type, streamId, ts, part));
        return;
      case TYPE_DATA_AMF0:
      case TYPE_DATA_AMF3:
        // @setDataFrame/onMetaData: the sequence headers carry everything muxing needs, but the message
        // is decoded so that garbage AMF closes the connection like any other malformed message.
        decodeData(typeId, body);
        return;
      case TYPE_COMMAND_AMF0:
      case TYPE_COMMAND_AMF3:
        this.onCommand(decodeCommand(typeId, body), streamId);
        return;
      case TYPE_USER_CONTROL: {
        const event = decodeUserControl(body);
        if (event.event === EVENT_PING_REQUEST) {
          this.send(CSID_PROTOCOL_CONTROL, TYPE_USER_CONTROL, 0, encodeUserControl(EVENT_PING_RESPONSE, event.value));
        }
        return;
      }
      case TYPE_WINDOW_ACK_SIZE:
        this.ackWindow = Math.max(1, decodeWindowAckSize(body));
        return;
      default:
        // Acknowledgements, Set Peer Bandwidth and shared-object messages need no answer from an ingest server.
        return;
    }
  }

  private onCommand(cmd: Command, streamId: number): void {
    switch (cmd.name) {
      case 'connect':
        return this.onConnect(cmd);
      case 'releaseStream':
      case 'FCPublish':
      case 'FCUnpublish':
        return this.onStreamNotice(cmd);
      case 'createStream':
        this.sendCommand(CSID_COMMAND, 0, '_result', cmd.transactionId, null, this.nextStreamId++);
        return;
      case 'publish':
        this.onPublish(cmd, streamId).catch((e: unknown) => this.fail(e));
        return;
      case 'deleteStream':
      case 'closeStream':
        this.endPublish('unpublish');
        return;
      case 'play':
      case 'play2':
        this.sendStatus(streamId, 'error', 'NetStream.Play.Failed', 'livebucket accepts publishing only; play the HLS playlist instead');
        this.host.log(`rtmp ${this.remote}: closing: play is not supported`);
        this.linger();
        return;
      default:
        return;
    }
  }

  private onConnect(cmd: Command): void {
    const o: Amf0Object = cmd.commandObject ?? {};
    this.app = typeof o.app === 'string' ? o.app : '';
    this.tcUrl = typeof o.tcUrl === 'string' ? o.tcUrl : '';
    this.send(CSID_PROTOCOL_CONTROL, TYPE_WINDOW_ACK_SIZE, 0, encodeWindowAckSize(WINDOW_SIZE));
    this.send(CSID_PROTOCOL_CONTROL, TYPE_SET_PEER_BANDWIDTH, 0, encodeSetPeerBandwidth(WINDOW_SIZE, LIMIT_DYNAMIC));
    this.send(CSID_PROTOCOL_CONTROL, TYPE_SET_CHUNK_SIZE, 0, encodeSetChunkSize(OUT_CHUNK_SIZE));
    this.writer.chunkSize = OUT_CHUNK_SIZE;
    this.sendCommand(
      CSID_COMMAND,
      0,
      '_result',
      cmd.transactionId,
      { fmsVer: 'FMS/3,5,7,7009', capabilities: 31, mode: 1 },
      {
        level: 'status',
        code: 'NetConnection.Connect.Success',
        description: 'Connection succeeded.',
        objectEncoding: typeof o.objectEncoding === 'number' ? o.objectEncoding : 0,
      },
    );
  }

  /** releaseStream / FCPublish / FCUnpublish: Flash-era notices; answered the way FMS does. */
  private onStreamNotice(cmd: Command): void {
    const name = typeof cmd.args[0] === 'string' ? cmd.args[0] : '';
    if (cmd.name === 'FCPublish') {
      this.sendCommand(CSID_COMMAND, 0, 'onFCPublish', 0, null, { code: 'NetStream.Publish.Start', description: name });
    } else if (cmd.name === 'FCUnpublish') {
      this.sendCommand(CSID_COMMAND, 0, 'onFCUnpublish', 0, null, { code: 'NetStream.Unpublish.Success', description: name });
      this.endPublish('unpublish');
    } else if (cmd.transactionId > 0) {
      this.sendCommand(CSID_COMMAND, 0, '_result', cmd.transactionId, null, undefined);
    }
  }

  private async onPublish(cmd: Command, streamId: number): Promise<void> {
    if (this.publish || this.held) throw new RtmpError('publish while a publish is already active');
    const streamName = typeof cmd.args[0] === 'string' ? cmd.args[0] : '';
    const target = resolvePublishTarget(this.app, this.tcUrl, streamName, this.host.target);
    if ('error' in target) return this.refuse(streamId, 'NetStream.Publish.BadName', target.error);
    this.held = [];
    this.socket.pause();
    const result = await this.admit({
      bucket: target.bucket,
      channel: target.channel,
      params: target.params,
      app: this.app,
      tcUrl: this.tcUrl,
      streamName,
      remoteAddress: this.socket.remoteAddress ?? '',
      remotePort: this.socket.remotePort ?? 0,
    });
    const held = this.held;
    this.held = undefined;
    if (this.closing) return;
    if (!result.ok) return this.refuse(streamId, result.code, result.description);
    const publish: PublishSession = {
      id: randomUUID(),
      bucket: result.bucket,
      channel: result.channel,
      playlistName: result.playlistName,
      remoteAddress: this.socket.remoteAddress ?? '',
      remotePort: this.socket.remotePort ?? 0,
      connectedAt: Date.now(),
      stats: newPublishStats(),
    };
    if (!this.host.claim(this, publish)) {
      return this.refuse(streamId, 'NetStream.Publish.BadName', `channel ${publish.channel} of bucket ${publish.bucket} already has a publisher`);
    }
    const events = this.host.events;
    try {
      this.sink = this.host.sinkFactory(publish, () => this.onDrain());
    } catch (e) {
      this.host.release(publish);
      return this.fail(e);
    }
    this.ingest = new FlvIngest(this.sink, publish.stats, {
      jumpThresholdMs: this.host.jumpThresholdMs,
      onDropped: (reason, count) => events?.emit('framesDropped', { bucket: publish.bucket, channel: publish.channel, reason, count }),
    });
    this.publish = publish;
    this.publishStreamId = streamId;
    try {
      this.send(CSID_PROTOCOL_CONTROL, TYPE_USER_CONTROL, 0, encodeUserControl(EVENT_STREAM_BEGIN, streamId));
      this.sendStatus(streamId, 'status', 'NetStream.Publish.Start', `${streamName.split('?')[0]} is now published.`);
      events?.emit('publish', { bucket: publish.bucket, channel: publish.channel, sessionId: publish.id, remoteAddr: this.remote, time: publish.connectedAt });
      this.host.log(`rtmp ${this.remote}: publishing ${publish.bucket}/${publish.channel} (${publish.id})`);
      for (const [typeId, sid, ts, body] of held) this.onMessage(typeId, sid, ts, body);
      if (!this.ingest.flush()) this.pauseForSink();
    } catch (e) {
      return this.fail(e);
    }
    if (!this.backpressured) this.socket.resume();
  }

  private async admit(request: Parameters<Admission>[0]): Promise<AdmissionResult> {
    const ms = this.host.limits.admissionTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<AdmissionResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, code: 'NetStream.Publish.Denied', description: `admission did not answer within ${ms} ms` }),
        ms,
      );
    });
    try {
      return await Promise.race([this.host.admission(request), timeout]);
    } catch (e) {
      this.host.log(`rtmp ${this.remote}: admission failed: ${e instanceof Error ? e.message : String(e)}`);
      return { ok: false, code: 'NetStream.Publish.Denied', description: 'admission failed' };
    } finally {
      clearTimeout(timer);
    }
  }

  private refuse(streamId: number, code: string, description: string): void {
    this.sendStatus(streamId, 'error', code, description);
    this.host.log(`rtmp ${this.remote}: publish refused (${code}): ${description}`);
    this.linger();
  }

  private pauseForSink(): void {
    this.backpressured = true;
    this.socket.pause();
  }

  private onDrain(): void {
    if (!this.backpressured) return;
    this.backpressured = false;
    if (!this.held && !this.closing) this.socket.resume();
  }

  private endPublish(reason: EndReason): void {
    const publish = this.publish;
    if (!publish) return;
    this.publish = undefined;
    const ingest = this.ingest!;
    const sink = this.sink!;
    this.ingest = undefined;
    this.sink = undefined;
    // The ended sink may hold frames until it has closed; a next publish's progress counts from zero.
    const arena = this.reader.renewArena();
    if (reason !== 'error') ingest.flush();
    this.host.release(publish);
    const endedAt = Date.now();
    // The unpublish event closes the push's history record: it waits for the sink, so that by then the
    // last segment of the push is stored and listed.
    this.sinkClosed = sink
      .close(reason)
      .catch((e: unknown) => {
        this.host.log(`rtmp ${this.remote}: sink of ${publish.bucket}/${publish.channel} failed to close: ${e instanceof Error ? e.message : String(e)}`);
      })
      .finally(() => {
        // Closed: what the sink says it released stays released, and it gets no more frames.
        arena.recycle(sink.released?.() ?? -Infinity);
        this.host.events?.emit('unpublish', { bucket: publish.bucket, channel: publish.channel, sessionId: publish.id, reason, time: endedAt });
      });
    this.host.log(`rtmp ${this.remote}: ${publish.bucket}/${publish.channel} ended (${reason})`);
  }

  /** Closes after a reply: stop handling input, let the peer read what was sent, then destroy. */
  private linger(): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.resume();
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private fail(e: unknown): void {
    // Unsupported video refuses the publish after the fact (the codec is only known once media flows):
    // NetStream.Publish.Denied at level error with a description naming the codec, which ffmpeg and OBS
    // show as "Server error: ...". There is no standard "unsupported codec" status code.
    if (e instanceof UnsupportedVideoCodecError) {
      if (this.publish) this.sendStatus(this.publishStreamId, 'error', 'NetStream.Publish.Denied', e.message);
      this.host.log(`rtmp ${this.remote}: publish refused: ${e.message}`);
      this.endPublish('error');
      this.linger();
      return;
    }
    const known = e instanceof RtmpError || e instanceof FlvError;
    const message = e instanceof Error ? e.message : String(e);
    this.host.log(`rtmp ${this.remote}: closing: ${known ? message : `internal error: ${e instanceof Error ? e.stack : message}`}`);
    this.closing = true;
    this.endPublish('error');
    this.socket.destroy();
  }

  private send(csid: number, typeId: number, streamId: number, body: Uint8Array): void {
    if (!this.socket.writable) return;
    // The replies to one read (connect's four, publish's two) leave in one write: a write each cost a
    // syscall and woke the peer once per reply.
    if (this.socket.writableCorked === 0) {
      this.socket.cork();
      process.nextTick(() => this.socket.uncork());
    }
    this.socket.write(this.writer.encode(csid, { typeId, streamId, timestamp: 0, body }));
  }

  private sendCommand(csid: number, streamId: number, name: string, transactionId: number, commandObject: Amf0Object | null, ...args: Amf0Value[]): void {
    this.send(csid, TYPE_COMMAND_AMF0, streamId, encodeCommand(name, transactionId, commandObject, ...args));
  }

  private sendStatus(streamId: number, level: 'status' | 'error', code: string, description: string): void {
    this.sendCommand(CSID_STREAM_STATUS, streamId, 'onStatus', 0, null, { level, code, description });
  }
}
