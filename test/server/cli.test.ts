import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { startServerProcess } from '../util/livebucket-process.js';

const run = promisify(execFile);

describe('livebucket serve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a root key on first start, prints it once, and keeps it', async () => {
    const data = join(dir, 'first');
    const first = await startServerProcess({ LIVEBUCKET_DATA: data });
    assert.equal(await first.stop(), 0);
    const stored = JSON.parse(readFileSync(join(data, 'root-key.json'), 'utf8')) as { id: string; secret: string };
    assert.match(first.stdout(), new RegExp(`AccessKeyId=${stored.id}`));
    assert.match(first.stdout(), new RegExp(`AccessKeySecret=${stored.secret}`));
    assert.equal(first.stdout().match(/livebucket ready/g)?.length, 1);

    const second = await startServerProcess({ LIVEBUCKET_DATA: data });
    assert.equal(await second.stop(), 0);
    assert.doesNotMatch(second.stdout(), /AccessKeySecret/);
  });

  it('takes settings from the environment and lets flags win', async () => {
    const data = join(dir, 'env');
    const server = await startServerProcess(
      { LIVEBUCKET_DATA: join(dir, 'ignored'), LIVEBUCKET_ACCESS_KEY_ID: 'AKID', LIVEBUCKET_ACCESS_KEY_SECRET: 'secret' },
      ['--data', data, '--edge-port=-1'],
    );
    assert.equal(server.edgePort, undefined);
    assert.equal(await server.stop(), 0);
    assert.equal(existsSync(join(data, 'meta.db')), true);
    assert.equal(existsSync(join(dir, 'ignored')), false);
    assert.equal(existsSync(join(data, 'root-key.json')), false, 'a configured key is not replaced by a generated one');
  });

  it('refuses a bad setting with the usage text', async () => {
    const cli = join(process.cwd(), 'dist', 'server', 'cli.js');
    const failure = await run(process.execPath, [cli, 'serve', '--rtmp-port', 'x'], {
      env: { ...process.env, LIVEBUCKET_DATA: join(dir, 'bad') },
    }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failure?.code, 2);
    assert.match(failure!.stderr, /rtmp-port must be a port number/);
    assert.match(failure!.stderr, /LIVEBUCKET_RTMP_PORT/);
  });
});
