import { FlvError } from './flv-error.js';

/**
 * MSB-first bit reader over an H.264 RBSP (emulation-prevention bytes already removed) or any other
 * bit-packed header. Reading past the end throws, so a truncated header cannot yield garbage values.
 */
export class BitReader {
  private bit = 0;

  constructor(private readonly bytes: Uint8Array) {}

  u(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const byte = this.bit >>> 3;
      if (byte >= this.bytes.length) throw new FlvError('bit stream ends inside a field');
      value = value * 2 + ((this.bytes[byte]! >>> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return value;
  }

  flag(): boolean {
    return this.u(1) === 1;
  }

  /** Unsigned Exp-Golomb. 32 leading zeros cannot occur in a valid stream and would overflow. */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) throw new FlvError('Exp-Golomb code longer than 32 bits');
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k & 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/** NAL unit payload -> RBSP: drops the 0x03 of every 0x00 0x00 0x03 emulation-prevention sequence. */
export function unescapeRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length);
  let n = 0;
  let zeros = 0;
  for (const b of nal) {
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out[n++] = b;
  }
  return out.subarray(0, n);
}
