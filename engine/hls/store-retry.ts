import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineEventBus } from '../events.js';
import type { ObjectStore, PutOptions } from '../store/object-store.js';

/** Tries and waits: 5 attempts over about 1.5 s, enough to ride out a brief I/O stall but not to hide a dead disk. */
const ATTEMPTS = 5;
const FIRST_BACKOFF_MS = 100;

/**
 * Runs a store operation on `bucket/key`, retrying failed attempts with exponential backoff. Every
 * failure is reported as a `storageError` event (the last one `final`) and logged; resolves false when
 * every attempt failed. Never rejects.
 */
export async function withStorageRetry(
  events: EngineEventBus,
  bucket: string,
  key: string,
  operation: () => Promise<unknown>,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await operation();
      return true;
    } catch (error) {
      const final = attempt === ATTEMPTS;
      reportStorageError(events, bucket, key, error, attempt, final);
      if (final) return false;
      await sleep(FIRST_BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}

export function reportStorageError(
  events: EngineEventBus,
  bucket: string,
  key: string,
  error: unknown,
  attempt: number,
  final: boolean,
): void {
  const message = error instanceof Error ? error.message : String(error);
  events.emit('storageError', { bucket, key, error: message, attempt, final });
  console.error(`livebucket: storing ${bucket}/${key} failed (attempt ${attempt}${final ? ', final' : ''}): ${message}`);
}

/** Puts an object with withStorageRetry. */
export function putWithRetry(
  objects: ObjectStore,
  events: EngineEventBus,
  bucket: string,
  key: string,
  body: Uint8Array,
  options: PutOptions,
): Promise<boolean> {
  return withStorageRetry(events, bucket, key, () => objects.put(bucket, key, body, options));
}
