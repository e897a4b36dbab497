import type { TsOutput } from './types.js';
import type { RingConsumer, RingProducer, RingSlot } from './ring-buffer.js';
import { copyBytes } from '../shared-copy.js';

/** Where a batch's TS bytes went: a ring record, or (when too big for the ring, or empty) a buffer of its own. */
export type Placement =
  | { readonly kind: 'ring'; readonly slot: RingSlot; readonly length: number }
  | { readonly kind: 'own'; readonly buffer: SharedArrayBuffer };

/** Resolves once `ts` is in the ring: this wait is the back-pressure that reaches the channel's socket. */
export async function placeOutput(producer: RingProducer, ts: Uint8Array): Promise<Placement> {
  if (ts.length > 0 && ts.length <= producer.maxRecord) {
    return { kind: 'ring', slot: await producer.write(ts), length: ts.length };
  }
  const buffer = new SharedArrayBuffer(ts.length);
  copyBytes(new Uint8Array(buffer), 0, ts);
  return { kind: 'own', buffer };
}

export function toTsOutput(consumer: RingConsumer, placement: Placement, partEnds: ArrayLike<number>): TsOutput {
  const bytes = placement.kind === 'ring' ? consumer.view(placement.slot, placement.length) : new Uint8Array(placement.buffer);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (let k = 0; k < partEnds.length; k++) {
    const end = partEnds[k]!;
    parts.push(bytes.subarray(start, end));
    start = end;
  }
  let released = false;
  return {
    parts,
    release() {
      if (released) return;
      released = true;
      if (placement.kind === 'ring') consumer.release(placement.slot);
    },
  };
}
