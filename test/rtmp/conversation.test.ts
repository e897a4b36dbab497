import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeAmf0 } from '../../engine/rtmp/amf0.js';
import { encodeUserControl } from '../../engine/rtmp/messages/user-control.js';
import { encodeWindowAckSize } from '../../engine/rtmp/messages/window-ack-size.js';
import { RtmpTestClient } from '../util/rtmp-client.js';
import { startRecordingRtmpServer } from '../util/rtmp-test-server.js';

describe('publish conversation', () => {
  let srv: Awaited<ReturnType<typeof startRecordingRtmpServer>>;
  before(async () => {
    srv = await startRecordingRtmpServer();
  });
  after(() => srv.server.close());

  it('connect is answered with window, bandwidth, chunk size and NetConnection.Connect.Success', async () => {
    const client = await RtmpTestClient.connect(srv.port);
    // Set Chunk Size (type 1) is consumed by the client's chunk reader, so it is not listed here.
    assert.deepEqual(
      client.messages.map((m) => m.typeId),
      [5, 6, 20],
    );
    assert.equal(Buffer.from(client.messages[0]!.body).readUInt32BE(0), 2_500_000);
    const result = client.commands[0]!;
    assert.equal(result.name, '_result');
    assert.deepEqual((result.args[0] as Record<string, unknown>).code, 'NetConnection.Connect.Success');
    client.close();
  });

  it('releaseStream, FCPublish, createStream, publish, FCUnpublish, deleteStream', async () => {
    const client = await RtmpTestClient.connect(srv.port);
    const status = await client.publish('conv?playlistName=x.m3u8');
    assert.deepEqual(status, { level: 'status', code: 'NetStream.Publish.Start', description: 'conv is now published.' });
    assert.ok(client.commands.some((c) => c.name === 'onFCPublish'));
    assert.ok(client.commands.some((c) => c.name === '_result' && c.transactionId === 4 && c.args[0] === 1), 'createStream returns stream 1');
    const begin = client.messages.find((m) => m.typeId === 4)!;
    assert.deepEqual(Buffer.from(begin.body), encodeUserControl(0, 1));
    const sink = await srv.waitFor('default/conv');
    assert.equal(sink.session!.playlistName, 'x.m3u8');
    client.command('FCUnpublish', 6, null, 'conv');
    client.command('deleteStream', 7, null, 1);
    await client.waitFor((c) => c.name === 'onFCUnpublish');
    assert.equal(await sink.closed(), 'unpublish');
    client.close();
  });

  it('answers Ping requests and acknowledges as the peer window requires', async () => {
    const client = await RtmpTestClient.connect(srv.port);
    client.message(2, { typeId: 4, streamId: 0, timestamp: 0, body: encodeUserControl(6, 123456) });
    const pong = await client.waitForMessage((m) => m.typeId === 4);
    assert.deepEqual(Buffer.from(pong.body), encodeUserControl(7, 123456));
    client.message(2, { typeId: 5, streamId: 0, timestamp: 0, body: encodeWindowAckSize(5000) });
    // Commands the server ignores still count as received bytes.
    for (let i = 0; i < 20; i++) client.command('getStreamLength', 0, null, 'x'.repeat(400));
    const ack = await client.waitForMessage((m) => m.typeId === 3);
    assert.ok(Buffer.from(ack.body).readUInt32BE(0) >= 5000);
    client.close();
  });

  it('tolerates AMF3 command messages (type 17) as Flash sends them', async () => {
    const client = await RtmpTestClient.open(srv.port);
    await client.handshake();
    const body = Buffer.concat([Buffer.from([0]), encodeAmf0('connect', 1, { app: 'live', tcUrl: `rtmp://127.0.0.1:${srv.port}/live` })]);
    client.message(3, { typeId: 17, streamId: 0, timestamp: 0, body });
    const result = await client.waitFor((c) => c.name === '_result');
    assert.equal((result.args[0] as Record<string, unknown>).code, 'NetConnection.Connect.Success');
    assert.equal((await client.publish('amf3')).code, 'NetStream.Publish.Start');
    client.close();
  });
});
