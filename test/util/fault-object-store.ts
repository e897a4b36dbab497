import { setTimeout as sleep } from 'node:timers/promises';
import type { Readable } from 'node:stream';
import type { ListOptions, ObjectAcl, ObjectInfo, ObjectStore, ObjectWriter, PutOptions } from '../../engine/store/object-store.js';

/** `write`: a part written through createWriter(), matched against the key the writer was created for. */
export type StoreOperation = 'put' | 'write' | 'head' | 'read' | 'readAll' | 'setAcl' | 'delete' | 'list';

/** One injected fault: which calls it hits, and what it does to them. */
export interface FaultRule {
  /** Matched against `{bucket}/{key}` (list: `{bucket}/{prefix}`). */
  readonly key: RegExp;
  /** Default: every operation. */
  readonly ops?: readonly StoreOperation[];
  /** Delay before the call proceeds (or fails), ms. */
  readonly latencyMs?: number;
  /** Fail the call with this Node errno code. */
  readonly error?: 'EIO' | 'ENOSPC';
  /** Chance that a matching call is hit (default 1). */
  readonly probability?: number;
}

/** An Error shaped like the one fs gives for the errno. */
export function storageError(code: 'EIO' | 'ENOSPC', op: string, key: string): NodeJS.ErrnoException {
  const text = code === 'EIO' ? 'i/o error' : 'no space left on device';
  const error: NodeJS.ErrnoException = new Error(`${code}: ${text}, ${op} '${key}'`);
  error.code = code;
  error.errno = code === 'EIO' ? -5 : -28;
  error.syscall = op;
  return error;
}

/**
 * An ObjectStore around a real one that injects latency and errno failures by key pattern and probability.
 * `rules` may be replaced at any time (a disk fills up, a disk recovers); `calls` and `failures` count what
 * the wrapped store was asked and what was failed, per operation.
 */
export class FaultObjectStore implements ObjectStore {
  rules: FaultRule[] = [];
  readonly calls = new Map<StoreOperation, number>();
  readonly failures = new Map<StoreOperation, number>();
  private random: number;

  constructor(
    private readonly inner: ObjectStore,
    seed = 1,
  ) {
    this.random = seed >>> 0 || 1;
  }

  /** Deterministic [0, 1), so a failing run replays. */
  private next(): number {
    this.random = (Math.imul(this.random, 1103515245) + 12345) >>> 0;
    return this.random / 2 ** 32;
  }

  private async inject(op: StoreOperation, bucket: string, key: string): Promise<void> {
    this.calls.set(op, (this.calls.get(op) ?? 0) + 1);
    const name = `${bucket}/${key}`;
    for (const rule of this.rules) {
      if (rule.ops && !rule.ops.includes(op)) continue;
      if (!rule.key.test(name)) continue;
      if (rule.probability !== undefined && this.next() >= rule.probability) continue;
      if (rule.latencyMs) await sleep(rule.latencyMs);
      if (rule.error) {
        this.failures.set(op, (this.failures.get(op) ?? 0) + 1);
        throw storageError(rule.error, op, name);
      }
    }
  }

  async put(bucket: string, key: string, body: Uint8Array | readonly Uint8Array[], options: PutOptions): Promise<ObjectInfo> {
    await this.inject('put', bucket, key);
    return this.inner.put(bucket, key, body, options);
  }

  createWriter(bucket: string, key: string): ObjectWriter {
    const inner = this.inner.createWriter(bucket, key);
    return {
      get size() {
        return inner.size;
      },
      write: async (part) => {
        await this.inject('write', bucket, key);
        return inner.write(part);
      },
      commit: (options, as) => inner.commit(options, as),
      abort: () => inner.abort(),
    };
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    await this.inject('head', bucket, key);
    return this.inner.head(bucket, key);
  }

  async read(bucket: string, key: string, range?: readonly [number, number]): Promise<{ info: ObjectInfo; body: Readable } | undefined> {
    await this.inject('read', bucket, key);
    return this.inner.read(bucket, key, range);
  }

  async readAll(bucket: string, key: string): Promise<{ info: ObjectInfo; body: Buffer } | undefined> {
    await this.inject('readAll', bucket, key);
    return this.inner.readAll(bucket, key);
  }

  async setAcl(bucket: string, key: string, acl: ObjectAcl): Promise<boolean> {
    await this.inject('setAcl', bucket, key);
    return this.inner.setAcl(bucket, key, acl);
  }

  async delete(bucket: string, key: string): Promise<boolean> {
    await this.inject('delete', bucket, key);
    return this.inner.delete(bucket, key);
  }

  async list(bucket: string, options: ListOptions): Promise<ObjectInfo[]> {
    await this.inject('list', bucket, options.prefix ?? '');
    return this.inner.list(bucket, options);
  }

  hasObjects(bucket: string): Promise<boolean> {
    return this.inner.hasObjects(bucket);
  }

  dropBucket(bucket: string): Promise<void> {
    return this.inner.dropBucket(bucket);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
