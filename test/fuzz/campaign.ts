import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { execute, isFinding, type Finding } from './executor.js';
import { mutate, Prng, type MutatorOptions } from './mutator.js';
import { type FuzzTarget, ownCorpusDir, readCorpusDir } from './targets.js';

/** Every input a target starts from: its seeds plus its own corpus dir (which holds past crash inputs). */
export function loadCorpus(target: FuzzTarget): { name: string; bytes: Uint8Array }[] {
  const seeds = target.seeds().map((bytes, i) => ({ name: `seed-${i}`, bytes }));
  return [...seeds, ...readCorpusDir(`test/fuzz/corpus/${target.name}`)];
}

/** Writes a finding's input into the target's corpus dir (named by its hash, so reruns do not pile up). */
export function saveFinding(target: FuzzTarget, input: Uint8Array): string {
  const dir = ownCorpusDir(target.name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `crash-${createHash('sha1').update(input).digest('hex').slice(0, 12)}.bin`);
  writeFileSync(file, input);
  return file;
}

export interface CampaignOptions {
  readonly seed: number;
  /** Mutated executions after the corpus pass; the campaign also stops at `deadline`. */
  readonly maxMutations?: number;
  /** performance.now() value to stop at. */
  readonly deadline?: number;
  /** Measure memory on every n-th call (1 = every call). */
  readonly memoryEvery: number;
  /** Told about each input just before it runs (the hang watchdog keeps it). */
  readonly beforeRun?: (input: Uint8Array) => void;
  /** Each new finding signature, with the first input that produced it. */
  readonly onFinding: (finding: Finding, input: Uint8Array) => void;
}

export interface CampaignResult {
  readonly executions: number;
  readonly corpusEntries: number;
  /** Distinct behaviours (outcome signatures) seen. */
  readonly behaviours: number;
  readonly findings: number;
}

const MAX_QUEUE = 4096;

/**
 * Runs the corpus, then mutates it: an input whose outcome signature is new joins the queue, so runs
 * drift towards inputs that reach new refusals and new parsed shapes (behaviour feedback in place of
 * coverage instrumentation).
 */
export function runCampaign(target: FuzzTarget, options: CampaignOptions): CampaignResult {
  const r = new Prng(options.seed);
  const mutator: MutatorOptions = { maxLength: target.maxLength, dictionary: target.dictionary.map((s) => Buffer.from(s, 'latin1')) };
  const corpus = loadCorpus(target).map((e) => e.bytes);
  const queue: Uint8Array[] = corpus.length > 0 ? [...corpus] : [new Uint8Array(0)];
  const seen = new Set<string>();
  const reported = new Set<string>();
  let executions = 0;
  let findings = 0;
  const runOne = (input: Uint8Array): string => {
    options.beforeRun?.(input);
    let verdict = execute(target, input, executions++ % options.memoryEvery === 0);
    // A GC pause or a busy shared core can make any call slow once: only a repeatable slowness counts.
    for (let retry = 0; retry < 3 && verdict.kind === 'slow'; retry++) verdict = execute(target, input, false);
    if (isFinding(verdict) && !reported.has(verdict.signature)) {
      reported.add(verdict.signature);
      findings++;
      options.onFinding(verdict, input);
    }
    return verdict.signature;
  };
  for (const input of corpus) seen.add(runOne(input));
  const deadline = options.deadline ?? Infinity;
  const max = options.maxMutations ?? Infinity;
  for (let n = 0; n < max; n++) {
    if ((n & 63) === 0 && performance.now() >= deadline) break;
    const input = mutate(r, r.pick(queue), r.pick(queue), mutator);
    const signature = runOne(input);
    if (seen.has(signature)) continue;
    seen.add(signature);
    if (queue.length < MAX_QUEUE) queue.push(input);
    else queue[r.below(queue.length)] = input;
  }
  return { executions, corpusEntries: corpus.length, behaviours: seen.size, findings };
}
