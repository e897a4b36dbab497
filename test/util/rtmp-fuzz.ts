import { readdirSync, readFileSync } from 'node:fs';

/** Seed corpus files (`*.bin`) of a directory, relative to the repository root. */
export function loadCorpus(dir: string): Buffer[] {
  const url = new URL(`../../../${dir}/`, import.meta.url);
  return readdirSync(url)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => readFileSync(new URL(f, url)));
}

/** Deterministic PRNG (mulberry32), so a failing iteration can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x03, 0x09, 0x0a, 0x11];

/** A random mutation of one seed: bit flips, interesting bytes, deletions, duplications, splices. */
export function mutate(seeds: readonly Buffer[], random: () => number): Buffer {
  const pick = (n: number) => Math.floor(random() * n);
  let b = Buffer.from(seeds[pick(seeds.length)]!);
  const rounds = 1 + pick(8);
  for (let r = 0; r < rounds; r++) {
    const at = pick(b.length + 1);
    switch (pick(7)) {
      case 0:
        if (b.length) b[at % b.length]! ^= 1 << pick(8);
        break;
      case 1:
        if (b.length) b[at % b.length] = INTERESTING[pick(INTERESTING.length)]!;
        break;
      case 2:
        if (b.length) b.fill(pick(2) ? 0xff : 0x00, at % b.length, Math.min(b.length, (at % b.length) + 1 + pick(4)));
        break;
      case 3:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + pick(64)))]);
        break;
      case 4: {
        const len = pick(64);
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
        break;
      }
      case 5:
        b = b.subarray(0, at);
        break;
      default: {
        const other = seeds[pick(seeds.length)]!;
        const from = pick(other.length + 1);
        b = Buffer.concat([b.subarray(0, at), other.subarray(from, from + pick(256))]);
      }
    }
  }
  return b;
}
