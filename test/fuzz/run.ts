import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { saveFinding } from './campaign.js';
import type { FuzzWorkerData, FuzzWorkerMessage } from './fuzz-worker.js';
import { findTarget, TARGETS, type FuzzTarget } from './targets.js';

/** A call that has not returned after this long is a hang (the slow-call limit is far lower). */
const HANG_MS = 5000;

const usage = `usage: npm run fuzz -- [--minutes N] [--target name[,name…]] [--seed S]
  Runs mutation fuzzing of each target for its share of N minutes (default 1), one target at a time in a
  worker thread. Crash, slow, memory and hang inputs are written to test/fuzz/corpus/<target>/.
  targets: ${TARGETS.map((t) => t.name).join(', ')}`;

interface TargetReport {
  readonly name: string;
  executions: number;
  seconds: number;
  corpusEntries: number;
  behaviours: number;
  readonly findings: string[];
}

function fuzzTarget(target: FuzzTarget, seconds: number, seed: number): Promise<TargetReport> {
  const shared = new SharedArrayBuffer(8 + target.maxLength);
  const header = new Int32Array(shared, 0, 2);
  const data: FuzzWorkerData = { target: target.name, seconds, seed, shared };
  const worker = new Worker(new URL('./fuzz-worker.js', import.meta.url), { workerData: data });
  const report: TargetReport = { name: target.name, executions: 0, seconds, corpusEntries: 0, behaviours: 0, findings: [] };
  const started = Date.now();
  const record = (kind: string, detail: string, input: Uint8Array): void => {
    const file = saveFinding(target, input);
    report.findings.push(`${kind}: ${detail.split('\n').slice(0, 4).join(' | ')} -> ${file}`);
    console.log(`  ${target.name}: ${kind.toUpperCase()} ${detail.split('\n')[0]}\n    input saved to ${file}`);
  };
  return new Promise((resolve) => {
    let lastCount = -1;
    let lastChange = Date.now();
    const watchdog = setInterval(() => {
      const count = Atomics.load(header, 0);
      if (count !== lastCount) {
        lastCount = count;
        lastChange = Date.now();
        return;
      }
      if (Date.now() - lastChange < HANG_MS) return;
      const length = Atomics.load(header, 1);
      record('hang', `no return within ${HANG_MS} ms`, new Uint8Array(shared, 8, length).slice());
      report.executions = count;
      void worker.terminate();
    }, 250);
    worker.on('message', (m: FuzzWorkerMessage) => {
      if (m.type === 'finding') record(m.kind, `${m.signature}\n${m.detail}`, m.input);
      else Object.assign(report, { executions: m.executions, corpusEntries: m.corpusEntries, behaviours: m.behaviours });
    });
    worker.on('error', (e) => report.findings.push(`worker error: ${e.stack ?? String(e)}`));
    worker.on('exit', () => {
      clearInterval(watchdog);
      report.seconds = (Date.now() - started) / 1000;
      resolve(report);
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { minutes: { type: 'string' }, target: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const minutes = Number(values.minutes ?? '1');
  if (!(minutes > 0)) throw new Error(`--minutes must be a positive number\n${usage}`);
  const targets = values.target ? values.target.split(',').map((n) => findTarget(n.trim())) : [...TARGETS];
  const seed = Number(values.seed ?? Date.now() % 0x7fffffff);
  const share = (minutes * 60) / targets.length;
  console.log(`fuzzing ${targets.length} target(s) for ${minutes} min (${share.toFixed(1)} s each), seed ${seed}`);
  const reports: TargetReport[] = [];
  for (const target of targets) reports.push(await fuzzTarget(target, share, seed));
  console.log('\ntarget           executions    exec/s  corpus  behaviours  findings');
  for (const r of reports) {
    console.log(
      `${r.name.padEnd(16)} ${String(r.executions).padStart(10)} ${String(Math.round(r.executions / r.seconds)).padStart(9)} ` +
        `${String(r.corpusEntries).padStart(7)} ${String(r.behaviours).padStart(11)} ${String(r.findings.length).padStart(9)}`,
    );
  }
  const all = reports.flatMap((r) => r.findings.map((f) => `${r.name}: ${f}`));
  if (all.length > 0) {
    console.log(`\n${all.length} finding(s):\n${all.join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
