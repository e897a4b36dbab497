import type { PublishSession } from './sink.js';

/** The live publishes the RTMP server holds; implemented by RtmpServer, read by the API and the edge. */
export interface LiveRegistry {
  findPublisher(bucket: string, channel: string): PublishSession | undefined;
  /** Ends a publish (onStatus to the client, then close); resolves when its sink has closed. */
  kick(bucket: string, channel: string, reason: string): Promise<void>;
  publishers(): Iterable<PublishSession>;
}
