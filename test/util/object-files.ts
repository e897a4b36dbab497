import Database from 'better-sqlite3';
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

/** Every file under `root/sub`, relative to `root`, sorted. */
export function filesUnder(root: string, sub: string): string[] {
  return (readdirSync(join(root, sub), { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.path.slice(root.length + 1), e.name))
    .sort();
}

/** What an FsObjectStore's index (read alongside the store) names: object files, and loose files. */
export function indexedFiles(objectsDir: string): { objects: string[]; loose: string[] } {
  const index = new Database(join(objectsDir, 'index.db'), { readonly: true });
  try {
    const files = (sql: string): string[] => (index.prepare(sql).all() as { file: string }[]).map((r) => r.file);
    return { objects: files("SELECT file FROM objects WHERE file != ''"), loose: files('SELECT file FROM loose_files') };
  } finally {
    index.close();
  }
}
