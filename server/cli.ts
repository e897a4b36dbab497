#!/usr/bin/env node
import { ConfigError, loadConfig, usage } from './config.js';
import { createServer } from './livebucket.js';

/** Upper bound on a graceful stop; past it the process exits anyway (segments already stored stay valid). */
const STOP_TIMEOUT_MS = 15_000;

async function serve(argv: readonly string[]): Promise<void> {
  const config = loadConfig(argv, process.env);
  const lb = await createServer(config).start();
  // Signal handlers go in before the ready line: a supervisor may send SIGTERM the moment it reads it.
  const stop = (signal: string) => {
    console.error(`livebucket: ${signal}, stopping`);
    setTimeout(() => {
      console.error('livebucket: stop timed out, exiting');
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    lb.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('livebucket: stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (lb.rootKeyGenerated) {
    console.log(`livebucket: generated root key (stored in ${config.dataDir}/root-key.json, shown only now):`);
    console.log(`  AccessKeyId=${lb.rootKey.id}`);
    console.log(`  AccessKeySecret=${lb.rootKey.secret}`);
  }
  const edge = lb.edgePort === undefined ? 'edge off' : `edge http://${config.bind}:${lb.edgePort}`;
  console.log(
    `livebucket ready: rtmp://${config.bind}:${lb.rtmpPort} api http://${config.bind}:${lb.httpPort} ${edge} data ${config.dataDir}`,
  );
}

const [command, ...rest] = process.argv.slice(2);
if (command === 'serve') {
  serve(rest).catch((error: unknown) => {
    console.error(error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
      ? `livebucket: ${(error as Error).message}\n\n${usage()}`
      : error);
    process.exit(2);
  });
} else {
  console.error(usage());
  process.exit(command === undefined || command === 'help' || command === '--help' ? 0 : 2);
}
