import { performance } from 'node:perf_hooks';
import type { FuzzTarget } from './targets.js';

/** A single call slower than this is a finding: no parser input here should cost more than a few ms. */
export const SLOW_CALL_MS = 250;

export type Verdict =
  | { readonly kind: 'ok' | 'refused'; readonly signature: string }
  | { readonly kind: 'crash' | 'slow' | 'memory'; readonly signature: string; readonly detail: string };

export type Finding = Extract<Verdict, { detail: string }>;

export const isFinding = (v: Verdict): v is Finding => v.kind === 'crash' || v.kind === 'slow' || v.kind === 'memory';

const footprint = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Digits and quoted values vary per input; the shape of the message is what identifies a behaviour. */
const normalize = (message: string): string => message.replace(/0x[0-9a-f]+|\d+/gi, '#').replace(/'[^']*'/g, "'…'").slice(0, 120);

/** Where in the code an unexpected error came from: its first stack frame inside the repository. */
function origin(error: unknown): string {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const frame = stack.split('\n').find((l) => l.includes('/dist/') && !l.includes('/test/fuzz/'));
  return frame ? frame.trim().replace(/^at /, '').replace(/.*\/dist\//, '').replace(/\)$/, '') : 'unknown';
}

/**
 * Runs one input and judges it: the parser may return or throw its own typed error; any other exception
 * (or an InvariantViolation from the target's checks) is a crash, a call over SLOW_CALL_MS is slow, and
 * growth of heap + ArrayBuffer memory past the target's limit during the call is a memory finding.
 * `measureMemory` costs ~20 µs a call, so long campaigns sample it.
 */
export function execute(target: FuzzTarget, input: Uint8Array, measureMemory: boolean): Verdict {
  const before = measureMemory ? footprint() : 0;
  const start = performance.now();
  let feature = '';
  let error: unknown;
  let threw = false;
  try {
    feature = target.run(input);
  } catch (e) {
    threw = true;
    error = e;
  }
  const ms = performance.now() - start;
  const grown = measureMemory ? footprint() - before : 0;
  if (threw && !target.expected(error)) {
    const name = error instanceof Error ? error.name : typeof error;
    const message = error instanceof Error ? error.message : String(error);
    return {
      kind: 'crash',
      signature: `crash:${name}:${normalize(message)}@${origin(error)}`,
      detail: error instanceof Error ? (error.stack ?? message) : message,
    };
  }
  if (ms > SLOW_CALL_MS) return { kind: 'slow', signature: 'slow', detail: `${ms.toFixed(0)} ms for ${input.length} bytes` };
  if (grown > target.memoryLimit) {
    return { kind: 'memory', signature: 'memory', detail: `${(grown / 2 ** 20).toFixed(1)} MiB for ${input.length} bytes` };
  }
  if (threw) return { kind: 'refused', signature: `refused:${normalize((error as Error).message)}` };
  return { kind: 'ok', signature: `ok:${feature}` };
}
