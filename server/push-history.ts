import type { EngineEventBus } from '../engine/events.js';
import type { MetadataStore } from '../engine/store/metadata-store.js';

/** Keeps GetLiveChannelHistory current: a record opens on publish and closes on unpublish. */
export function recordPushHistory(events: EngineEventBus, meta: MetadataStore): () => void {
  const open = new Map<string, number>();
  const onPublish = (e: { bucket: string; channel: string; sessionId: string; remoteAddr: string; time: number }) => {
    open.set(e.sessionId, meta.startPush(e.bucket, e.channel, e.time, e.remoteAddr));
  };
  const onUnpublish = (e: { sessionId: string; time: number }) => {
    const id = open.get(e.sessionId);
    if (id === undefined) return;
    open.delete(e.sessionId);
    meta.endPush(id, e.time);
  };
  events.on('publish', onPublish);
  events.on('unpublish', onUnpublish);
  return () => {
    events.off('publish', onPublish);
    events.off('unpublish', onUnpublish);
  };
}
