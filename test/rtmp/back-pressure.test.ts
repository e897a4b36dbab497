import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ChannelSink } from '../../engine/ingest/sink.js';
import type { MediaFrame } from '../../engine/media/types.js';
import { makeClip, probePackets } from '../util/media.js';
import { ffmpegPublish } from '../util/process.js';
import { assertFramesMatch } from '../util/rtmp-compare.js';
import { acceptAll, startRecordingRtmpServer } from '../util/rtmp-test-server.js';

describe('back-pressure', () => {
  const frames: MediaFrame[] = [];
  let writesWhileSaturated = 0;
  let saturations = 0;
  let closed: () => void;
  const done = new Promise<void>((resolve) => (closed = resolve));
  let srv: Awaited<ReturnType<typeof startRecordingRtmpServer>>;

  before(async () => {
    srv = await startRecordingRtmpServer({
      admission: acceptAll,
      // A sink that reports saturation on every third batch and drains on the next macrotask.
      sinkFactory: (_session, onDrain): ChannelSink => {
        let saturated = false;
        let batches = 0;
        return {
          configure: () => {},
          write: (batch) => {
            if (saturated) writesWhileSaturated++;
            frames.push(...batch);
            if (++batches % 3 !== 0) return true;
            saturated = true;
            saturations++;
            setTimeout(() => {
              saturated = false;
              onDrain();
            }, 5);
            return false;
          },
          close: async () => closed(),
        };
      },
    });
  });
  after(() => srv.server.close());

  it('pauses the socket until onDrain and loses nothing', async () => {
    const clip = await makeClip({ seconds: 3, width: 640, height: 360, videoBitrate: '4M' });
    const { code, stderr } = await ffmpegPublish(clip, srv.url('live/bp')).done;
    assert.equal(code, 0, stderr);
    await done;
    assert.ok(saturations > 0);
    assert.equal(writesWhileSaturated, 0);
    assertFramesMatch(frames, await probePackets(clip));
  });
});
