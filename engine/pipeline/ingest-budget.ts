/**
 * How many bytes each publish may have waiting (frames not yet muxed plus segments not yet stored)
 * before its socket is paused: an equal share of a process-wide budget, kept between a floor and a
 * ceiling. A per-publish bound alone lets the waiting bytes grow with the number of channels: 200 fast
 * publishers at 4 MiB each kept 800 MB in flight, memory touched once and dropped, so that page faults,
 * cache misses and external-memory GCs cost more than the ingest itself and the buffer pools never
 * caught up. With a shared budget the bytes in flight stay near the budget whatever the channel count,
 * and the pools recycle them. The floor keeps a real-time publish from pausing on a stored segment.
 */
export class IngestBudget {
  private publishes = 0;

  constructor(
    readonly totalBytes: number,
    readonly floorBytes: number,
    readonly ceilingBytes: number,
  ) {
    if (floorBytes > ceilingBytes) throw new Error('ingest budget: floor above ceiling');
  }

  /** A publish starts drawing on the budget; call the returned function once when it ends. */
  join(): () => void {
    this.publishes++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.publishes--;
    };
  }

  /** Bytes one publish may have waiting now. */
  share(): number {
    const equal = this.totalBytes / Math.max(1, this.publishes);
    return Math.min(this.ceilingBytes, Math.max(this.floorBytes, equal));
  }
}
