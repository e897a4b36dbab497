/** A viewer is gone when it has fetched nothing of the channel for this long, ms. */
export const VIEWER_WINDOW_MS = 10_000;

/**
 * Viewers of the edge per channel: distinct (remote address, User-Agent) pairs that fetched the channel's
 * playlist or one of its segments within the last VIEWER_WINDOW_MS. Players poll the live playlist every
 * target duration, so a watching player is never out of the window; players behind one NAT with the same
 * browser count once. Only channels for which `watched` says yes are tracked (someone receives their
 * stats): a reader that subscribes sees the viewers that fetched since then, all of them within one poll.
 */
export class ViewerTracker {
  private readonly channels = new Map<string, Map<string, number>>();

  constructor(readonly watched: (bucket: string, channel: string) => boolean) {}

  touch(bucket: string, channel: string, viewer: string, now: number): void {
    const id = `${bucket}/${channel}`;
    let seen = this.channels.get(id);
    if (!seen) this.channels.set(id, (seen = new Map()));
    seen.set(viewer, now);
  }

  count(bucket: string, channel: string, now: number): number {
    const seen = this.channels.get(`${bucket}/${channel}`);
    if (!seen) return 0;
    for (const [viewer, at] of seen) if (now - at > VIEWER_WINDOW_MS) seen.delete(viewer);
    return seen.size;
  }

  /** Drops channels nobody fetched within the window, so an idle channel costs nothing here. */
  sweep(now: number): void {
    for (const [id, seen] of this.channels) {
      for (const [viewer, at] of seen) if (now - at > VIEWER_WINDOW_MS) seen.delete(viewer);
      if (seen.size === 0) this.channels.delete(id);
    }
  }
}
