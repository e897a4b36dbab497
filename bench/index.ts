import { Report } from './results.js';
import { createContext, removeScratch, type BenchContext } from './suites/context.js';
import { densitySuite } from './suites/density.js';
import { externalSuite } from './suites/external.js';
import { httpSuite } from './suites/http.js';
import { ingestSuite } from './suites/ingest.js';
import { profileSuite } from './suites/profile.js';

type Suite = (ctx: BenchContext) => Promise<void>;

/** Sub-commands; `npm run bench` with none runs them all in this order. */
const SUITES: Record<string, Suite> = {
  ingest: ingestSuite,
  density: densitySuite,
  http: httpSuite,
  parse: externalSuite('parse', 'rtmp-parse.js', 'skip'),
  mux: externalSuite('mux', 'mux.js', 'skip'),
  latency: externalSuite('latency', 'hls-latency.js', 'skip'),
  profile: profileSuite,
};

/** Run only when named: they perturb the machine (profiling) or are covered by the others. */
const ON_REQUEST = new Set(['profile']);

const USAGE = `usage: npm run bench -- [--quick] [--density=K,K…] [--ingest=K,K…] [${Object.keys(SUITES).join('|')} ...]`;

async function main(argv: readonly string[]): Promise<number> {
  const quick = argv.includes('--quick');
  const flags = new Map(
    argv.filter((a) => a.startsWith('--') && a.includes('=')).map((a) => [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] as const),
  );
  const names = argv.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !(n in SUITES));
  if (unknown.length > 0 || argv.includes('--help')) {
    console.error(unknown.length > 0 ? `unknown sub-command: ${unknown.join(', ')}\n${USAGE}` : USAGE);
    return unknown.length > 0 ? 2 : 0;
  }
  const report = new Report();
  const started = Date.now();
  const ctx = await createContext(quick, flags, report);
  try {
    for (const name of names.length > 0 ? names : Object.keys(SUITES).filter((n) => !ON_REQUEST.has(n))) {
      const suiteStart = Date.now();
      try {
        await SUITES[name]!(ctx);
      } catch (error) {
        report.fail(name, `${name} suite`, '', (error as Error).message.split('\n')[0]!);
      }
      console.log(JSON.stringify({ suite: name, wallSeconds: Math.round((Date.now() - suiteStart) / 1000) }));
    }
    const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
    console.log(`\n## livebucket bench${quick ? ' --quick' : ''}, ${date} UTC, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    console.log(report.markdown());
  } finally {
    removeScratch();
  }
  return report.figures.some((f) => f.status === 'FAIL') ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
