import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineEventBus } from '../events.js';
import type { ObjectStore, PutOptions } from '../store/object-store.js';

/** Tries and waits: 5 attempts over about 1.5 s, enough to ride out a brief I/O stall but not to hide a dead disk. */
const ATTEMPTS = 5;
const FIRST_BACKOFF_MS = 100;

/**
 * Puts an object, retrying failed attempts with exponential backoff. Every failure is reported as a
 * `storageError` event (the last one `final`) and logged; resolves false when every attempt failed.
 */
export async function putWithRetry(
  objects: ObjectStore,
  events: EngineEventBus,
  bucket: string,
  key: string,
  body: Uint8Array,
  options: PutOptions,
): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await objects.put(bucket, key, body, options);
      return true;
    } catch (error) {
      const final = attempt === ATTEMPTS;
      const message = error instanceof Error ? error.message : String(error);
      events.emit('storageError', { bucket, key, error: message, attempt, final });
      console.error(`livebucket: storing ${bucket}/${key} failed (attempt ${attempt}/${ATTEMPTS}): ${message}`);
      if (final) return false;
      await sleep(FIRST_BACKOFF_MS * 2 ** (attempt - 1));
    }
  }
}
