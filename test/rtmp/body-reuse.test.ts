import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChannelSink } from '../../engine/ingest/sink.js';
import type { MediaFrame } from '../../engine/media/types.js';
import { makeClip, probePackets } from '../util/media.js';
import { ffmpegPublish } from '../util/process.js';
import { assertFramesMatch } from '../util/rtmp-compare.js';
import { acceptAll, startRecordingRtmpServer } from '../util/rtmp-test-server.js';

/**
 * Ingest reuses message memory once the sink reports frames released. A sink that holds frames for a
 * while, and checks each one's bytes against a copy taken when it arrived just before letting it go,
 * sees any body reused too early.
 */
describe('message body reuse', () => {
  const received: MediaFrame[] = [];
  let corrupted = 0;
  /** Frames that arrived in memory that earlier, released frames had used. */
  let inReusedMemory = 0;
  let closed: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));
  let srv: Awaited<ReturnType<typeof startRecordingRtmpServer>>;

  before(async () => {
    srv = await startRecordingRtmpServer({
      admission: acceptAll,
      sinkFactory: (): ChannelSink => {
        const held: { frame: MediaFrame; copy: Buffer }[] = [];
        const releasedMemory = new WeakSet<ArrayBufferLike>();
        let released = 0;
        const releaseUpTo = (keep: number): void => {
          while (held.length > keep) {
            const { frame, copy } = held.shift()!;
            if (!copy.equals(frame.data)) corrupted++;
            releasedMemory.add(frame.data.buffer);
            released++;
          }
        };
        return {
          configure: () => {},
          write: (batch) => {
            for (const frame of batch) {
              if (releasedMemory.has(frame.data.buffer)) inReusedMemory++;
              received.push({ ...frame, data: Buffer.from(frame.data) });
              held.push({ frame, copy: Buffer.from(frame.data) });
            }
            // About a second of frames: several 128 KiB slabs fill while they are held.
            releaseUpTo(60);
            return true;
          },
          released: () => released,
          close: async () => {
            releaseUpTo(0);
            closed();
          },
        };
      },
    });
  });
  after(() => srv.server.close());

  it('reuses a body only after the sink has released its frames', async () => {
    // Under ffmpeg's 2.5 MB acknowledgement window: a fast push that outruns the server and then closes
    // with an unread Acknowledgement pending is reset, and the kernel drops what the server had not read.
    const clip = await makeClip({ seconds: 4, width: 640, height: 360, videoBitrate: '4M' });
    const { code, stderr } = await ffmpegPublish(clip, srv.url('live/reuse')).done;
    assert.equal(code, 0, stderr);
    await done;
    assertFramesMatch(received, await probePackets(clip));
    assert.equal(corrupted, 0, 'frames changed while the sink held them');
    assert.ok(inReusedMemory > 0, 'message memory was reused');
  });
});
