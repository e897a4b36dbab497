// Single-producer single-consumer byte ring in a SharedArrayBuffer carrying TS output from a muxer
// (a pool worker, or the inline path) to the consumer thread.
//
// Records are contiguous: when the tail is too short for a record, the producer skips to offset 0 and
// the skipped bytes count as part of that record's reservation, freed with it. A record larger than half
// the ring could, depending on where the tail is, never fit; such records do not use the ring at all
// (see placeOutput). The only shared word is the reserved byte count; the producer keeps the tail and the
// consumer keeps the head, so the consumer may release records in any order and the head advances over
// the released prefix.

import { copyBytes } from '../shared-copy.js';

export const DEFAULT_RING_BYTES = 8 << 20;
const CONTROL_BYTES = 64;
const USED = 0;

type WaitAsync = (array: Int32Array, index: number, value: number) =>
  { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export function createRing(capacity: number = DEFAULT_RING_BYTES): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES + capacity);
}

/** A reservation: `reserved` bytes from `start` (skipped tail included); the record itself is at `dataStart`. */
export interface RingSlot {
  readonly start: number;
  readonly reserved: number;
  readonly dataStart: number;
}

export class RingProducer {
  readonly capacity: number;
  private readonly control: Int32Array;
  private readonly data: Uint8Array;
  private tail = 0;

  constructor(ring: SharedArrayBuffer) {
    this.capacity = ring.byteLength - CONTROL_BYTES;
    this.control = new Int32Array(ring, 0, 1);
    this.data = new Uint8Array(ring, CONTROL_BYTES);
  }

  /** Largest record that is guaranteed to fit once the consumer has released everything. */
  get maxRecord(): number {
    return this.capacity >>> 1;
  }

  /**
   * Copies a record of 1..maxRecord bytes in, first waiting without blocking the thread while the
   * consumer has not released enough. One call at a time.
   */
  async write(bytes: Uint8Array): Promise<RingSlot> {
    const slot = await this.reserve(bytes.length);
    copyBytes(this.data, slot.dataStart, bytes);
    return slot;
  }

  private async reserve(length: number): Promise<RingSlot> {
    if (length === 0 || length > this.maxRecord) throw new RangeError(`ring record of ${length} bytes`);
    const skip = this.tail + length > this.capacity ? this.capacity - this.tail : 0;
    const reserved = skip + length;
    for (;;) {
      const used = Atomics.load(this.control, USED);
      if (used + reserved <= this.capacity) break;
      const wait = waitAsync(this.control, USED, used);
      if (wait.async) await wait.value;
    }
    Atomics.add(this.control, USED, reserved);
    const slot = { start: this.tail, reserved, dataStart: skip > 0 ? 0 : this.tail };
    this.tail = (slot.dataStart + length) % this.capacity;
    return slot;
  }
}

export class RingConsumer {
  private readonly capacity: number;
  private readonly control: Int32Array;
  private head = 0;
  private readonly released = new Map<number, number>();

  constructor(private readonly ring: SharedArrayBuffer) {
    this.capacity = ring.byteLength - CONTROL_BYTES;
    this.control = new Int32Array(ring, 0, 1);
  }

  view(slot: RingSlot, length: number): Uint8Array {
    return new Uint8Array(this.ring, CONTROL_BYTES + slot.dataStart, length);
  }

  release(slot: RingSlot): void {
    this.released.set(slot.start, slot.reserved);
    let freed = 0;
    for (let r = this.released.get(this.head); r !== undefined; r = this.released.get(this.head)) {
      this.released.delete(this.head);
      this.head = (this.head + r) % this.capacity;
      freed += r;
    }
    if (freed > 0) {
      Atomics.sub(this.control, USED, freed);
      Atomics.notify(this.control, USED);
    }
  }
}
