import { EventEmitter } from 'node:events';

/** Events the engine publishes for the edge's `/events` socket, the API and embedders. */
export interface EngineEvents {
  publish: [{ bucket: string; channel: string; sessionId: string; remoteAddr: string; time: number }];
  unpublish: [{ bucket: string; channel: string; sessionId: string; reason: string; time: number }];
  /** A segment object is stored and the playlist that lists it has been written. */
  segment: [
    {
      bucket: string;
      channel: string;
      key: string;
      sequence: number;
      durationMs: number;
      bytes: number;
      /** Closing keyframe arrival -> playlist stored, ms. */
      latencyMs: number;
      time: number;
    },
  ];
  /** A playlist object was (re)written; `body` is what was stored, for in-memory delivery. */
  playlist: [{ bucket: string; channel: string; key: string; body: Buffer; time: number }];
  /**
   * A segment object was stored; `body` is what was stored, for in-memory delivery of recent segments.
   * Only for channels `segmentBodiesWanted` said yes to.
   * When `retain` is given the bytes are recycled after the event: a listener that keeps `body` calls
   * `retain()` during the event and the function it returns once done with them.
   */
  segmentBody: [{ bucket: string; key: string; body: Buffer; retain: (() => () => void) | undefined }];
  framesDropped: [{ bucket: string; channel: string; reason: string; count: number }];
  storageError: [{ bucket: string; key: string; error: string; attempt: number; final: boolean }];
}

export class EngineEventBus extends EventEmitter<EngineEvents> {
  /**
   * Asked as each segment of a channel opens: whether to keep its bytes in memory and hand them over in
   * `segmentBody`. Whoever serves recent segments from memory (the edge) answers for the channels it is
   * asked for; by default nobody is, and segments go from the muxer to the store with no copy in memory.
   */
  segmentBodiesWanted: (bucket: string, channel: string) => boolean = () => false;
}
