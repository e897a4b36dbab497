/** Deterministic PRNG (xorshift32), so a campaign with a given seed replays exactly. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Integer in [0, n). */
  below(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }

  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

/** Values at the edges of 8/16/24/32-bit fields: where length and offset checks usually break. */
const INTERESTING = [
  0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 1023, 1024, 4095, 4096, 0x7fff, 0x8000, 0xffff,
  0x10000, 0x7fffff, 0x800000, 0xfffffe, 0xffffff, 0x1000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];

export interface MutatorOptions {
  /** Largest input produced; longer results are truncated. */
  readonly maxLength: number;
  /** Tokens of the target's format (keywords, markers) spliced in whole. */
  readonly dictionary: readonly Uint8Array[];
}

type Mutation = (r: Prng, input: Uint8Array, other: Uint8Array, o: MutatorOptions) => Uint8Array;

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const randomBytes = (r: Prng, n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r.below(256);
  return out;
};

/** Width 1-4 bytes, big- or little-endian (RTMP mixes both: stream ids are LE, the rest BE). */
function writeInt(r: Prng, out: Uint8Array, at: number, value: number): void {
  const width = Math.min(1 + r.below(4), out.length - at);
  const le = r.chance(0.25);
  for (let i = 0; i < width; i++) {
    const shift = 8 * (le ? i : width - 1 - i);
    out[at + i] = Math.floor(value / 2 ** shift) & 0xff;
  }
}

function readInt(input: Uint8Array, at: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width && at + i < input.length; i++) v = v * 256 + input[at + i]!;
  return v;
}

const MUTATIONS: readonly Mutation[] = [
  function flipBit(r, input) {
    if (input.length === 0) return input;
    const out = input.slice();
    const at = r.below(out.length);
    out[at]! ^= 1 << r.below(8);
    return out;
  },
  function setByte(r, input) {
    if (input.length === 0) return input;
    const out = input.slice();
    out[r.below(out.length)] = r.below(256);
    return out;
  },
  function insertBytes(r, input) {
    const at = r.below(input.length + 1);
    return concat(input.subarray(0, at), randomBytes(r, 1 + r.below(16)), input.subarray(at));
  },
  function deleteRange(r, input) {
    if (input.length === 0) return input;
    const at = r.below(input.length);
    const n = 1 + r.below(Math.min(64, input.length - at));
    return concat(input.subarray(0, at), input.subarray(at + n));
  },
  function duplicateRange(r, input) {
    if (input.length === 0) return input;
    const at = r.below(input.length);
    const n = 1 + r.below(Math.min(256, input.length - at));
    const copies = 1 + r.below(8);
    const block = input.subarray(at, at + n);
    return concat(input.subarray(0, at + n), ...Array.from({ length: copies }, () => block), input.subarray(at + n));
  },
  function copyWithin(r, input) {
    if (input.length < 2) return input;
    const out = input.slice();
    const from = r.below(out.length);
    const to = r.below(out.length);
    const n = 1 + r.below(Math.min(32, out.length - Math.max(from, to)));
    out.copyWithin(to, from, from + n);
    return out;
  },
  function interestingInteger(r, input) {
    if (input.length === 0) return input;
    const out = input.slice();
    writeInt(r, out, r.below(out.length), r.pick(INTERESTING));
    return out;
  },
  function tweakLengthField(r, input) {
    // A length/count field off by a little: the classic off-by-one and overflow probes.
    if (input.length === 0) return input;
    const out = input.slice();
    const at = r.below(out.length);
    const width = 1 + r.below(4);
    const delta = r.pick([-16, -8, -4, -2, -1, 1, 2, 4, 8, 16, 128, 4096]);
    const value = (readInt(out, at, width) + delta + 2 ** (8 * width)) % 2 ** (8 * width);
    for (let i = 0; i < width && at + i < out.length; i++) out[at + i] = Math.floor(value / 2 ** (8 * (width - 1 - i))) & 0xff;
    return out;
  },
  function truncate(r, input) {
    return input.subarray(0, r.below(input.length + 1));
  },
  function splice(r, input, other) {
    return concat(input.subarray(0, r.below(input.length + 1)), other.subarray(r.below(other.length + 1)));
  },
  function insertOther(r, input, other) {
    const at = r.below(input.length + 1);
    const from = r.below(other.length + 1);
    return concat(input.subarray(0, at), other.subarray(from, from + 1 + r.below(512)), input.subarray(at));
  },
  function insertToken(r, input, _other, o) {
    if (o.dictionary.length === 0) return input;
    const at = r.below(input.length + 1);
    const token = r.pick(o.dictionary);
    const repeat = r.chance(0.1) ? 1 + r.below(64) : 1;
    return concat(input.subarray(0, at), ...Array.from({ length: repeat }, () => token), input.subarray(at));
  },
  function overwriteToken(r, input, _other, o) {
    if (o.dictionary.length === 0 || input.length === 0) return input;
    const out = input.slice();
    const token = r.pick(o.dictionary);
    out.set(token.subarray(0, out.length), r.below(Math.max(1, out.length - token.length + 1)));
    return out;
  },
];

/**
 * One havoc step: 1 to 6 stacked mutations of `input`, with `other` (another corpus entry) for splicing.
 * The result never aliases `input`'s memory in a way that lets a parser's writes leak back into the corpus.
 */
export function mutate(r: Prng, input: Uint8Array, other: Uint8Array, options: MutatorOptions): Uint8Array {
  let out = input;
  const rounds = 1 + r.below(r.chance(0.5) ? 2 : 6);
  for (let i = 0; i < rounds; i++) out = r.pick(MUTATIONS)(r, out, other, options);
  if (out.length > options.maxLength) out = out.subarray(0, options.maxLength);
  return out === input ? input.slice() : out.slice();
}
