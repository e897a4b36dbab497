import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AccessKey {
  readonly id: string;
  readonly secret: string;
}

/** Looks a secret up by AccessKeyId at request time. */
export type KeyLookup = (accessKeyId: string) => string | undefined;

const ROOT_KEY_FILE = 'root-key.json';
const EXTRA_KEYS_FILE = 'keys.json';

/**
 * The root key: the configured one, or the one generated on an earlier first start, or a new one that is
 * stored under the data dir. `generated` is true only the time it is created, so it is printed once.
 */
export function resolveRootKey(dataDir: string, configured: AccessKey | undefined): { key: AccessKey; generated: boolean } {
  if (configured) return { key: configured, generated: false };
  const file = join(dataDir, ROOT_KEY_FILE);
  if (existsSync(file)) return { key: JSON.parse(readFileSync(file, 'utf8')) as AccessKey, generated: false };
  const key: AccessKey = {
    id: 'LB' + randomBytes(11).toString('hex').toUpperCase(),
    secret: randomBytes(24).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(key, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  return { key, generated: true };
}

/**
 * The root key plus the keys listed in `{dataDir}/keys.json` (`[{"id": …, "secret": …}]`). The file is
 * re-read when it changes (checked at most once a second), so a key removed from it stops working
 * without a restart.
 */
export function createKeyLookup(dataDir: string, root: AccessKey): KeyLookup {
  const file = join(dataDir, EXTRA_KEYS_FILE);
  let extra = new Map<string, string>();
  let seenMtime = -1;
  let checkedAt = 0;
  const refresh = (): void => {
    const now = Date.now();
    if (now - checkedAt < 1000) return;
    checkedAt = now;
    const mtime = existsSync(file) ? statSync(file).mtimeMs : 0;
    if (mtime === seenMtime) return;
    seenMtime = mtime;
    if (mtime === 0) {
      extra = new Map();
      return;
    }
    try {
      const keys = JSON.parse(readFileSync(file, 'utf8')) as AccessKey[];
      extra = new Map(keys.filter((k) => typeof k.id === 'string' && typeof k.secret === 'string').map((k) => [k.id, k.secret]));
    } catch (error) {
      // A half-written or broken file must not lock everyone out: keep the root key, drop the extras.
      console.error(`livebucket: ignoring ${file}: ${(error as Error).message}`);
      extra = new Map();
    }
  };
  return (id) => {
    if (id === root.id) return root.secret;
    refresh();
    return extra.get(id);
  };
}
