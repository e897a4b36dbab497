import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BenchContext } from './context.js';

const QUICK_LIMIT_MS = 30_000;
const FULL_LIMIT_MS = 600_000;

/**
 * Benchmarks other engineers own (RTMP parsing, muxing, HLS latency) run as their own processes, so a
 * crash or a leak there cannot skew the others. Their JSON lines with a numeric `value` join the table.
 */
export function externalSuite(suite: string, script: string, inQuick: 'run' | 'skip'): (ctx: BenchContext) => Promise<void> {
  return async (ctx) => {
    const path = fileURLToPath(new URL(`../${script}`, import.meta.url));
    if (!existsSync(path)) {
      ctx.report.skip(suite, script, '', 'not built');
      return;
    }
    if (ctx.quick && inQuick === 'skip') {
      ctx.report.skip(suite, script, '', `too long for --quick; run \`npm run bench -- ${suite}\``);
      return;
    }
    // Only scripts that know --quick get it (a strict parseArgs would refuse an unknown flag).
    const knowsQuick = readFileSync(path, 'utf8').includes("'quick'") || readFileSync(path, 'utf8').includes('--quick');
    const args = ctx.quick && knowsQuick ? [path, '--quick'] : [path];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const limit = ctx.quick ? QUICK_LIMIT_MS : FULL_LIMIT_MS;
    const timer = setTimeout(() => {
      ctx.report.fail(suite, script, '', `still running after ${limit / 1000} s, stopped`);
      child.kill('SIGTERM');
    }, limit);
    let pending = '';
    let figures = 0;
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) figures += forward(ctx, suite, line) ? 1 : 0;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    if (pending) figures += forward(ctx, suite, pending) ? 1 : 0;
    if (code !== 0) ctx.report.fail(suite, script, '', `exited with ${code}`);
    else if (figures === 0) ctx.report.fail(suite, script, '', 'printed no figures');
  };
}

function forward(ctx: BenchContext, suite: string, line: string): boolean {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    if (line.trim()) console.log(`[${suite}] ${line}`);
    return false;
  }
  if (typeof parsed.bench === 'string' && parsed.name === undefined) {
    // `{bench, field: number, …}`: each numeric field is a figure.
    let any = false;
    for (const [field, value] of Object.entries(parsed)) {
      if (typeof value !== 'number') continue;
      ctx.report.ok(suite, `${parsed.bench} ${field}`, value, '');
      any = true;
    }
    return any;
  }
  const name = String(parsed.name ?? parsed.figure ?? parsed.metric ?? '');
  const value = parsed.value;
  if (!name || (typeof value !== 'number' && value !== null && value !== undefined)) {
    console.log(`[${suite}] ${line}`);
    return false;
  }
  const unit = String(parsed.unit ?? '');
  const failed = parsed.status === 'FAIL' || parsed.ok === false || typeof value !== 'number';
  if (failed) ctx.report.fail(suite, name, unit, String(parsed.note ?? parsed.error ?? 'FAIL'));
  else ctx.report.ok(suite, name, value, unit, { target: parsed.target as string | undefined, note: parsed.note as string | undefined });
  return true;
}
