import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsObjectStore } from '../../engine/store/fs-object-store.js';
import { SqliteMetadataStore } from '../../engine/store/sqlite-metadata-store.js';

/** The embedded stores in a scratch dir; `reopen` simulates a restart over the same files. */
export class ScratchStores {
  readonly dir = mkdtempSync(join(tmpdir(), 'livebucket-hls-'));
  objects!: FsObjectStore;
  meta!: SqliteMetadataStore;

  constructor() {
    this.open();
  }

  async reopen(): Promise<void> {
    await this.shut();
    this.open();
  }

  async remove(): Promise<void> {
    await this.shut();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private open(): void {
    this.objects = FsObjectStore.open(join(this.dir, 'objects'));
    this.meta = SqliteMetadataStore.open(join(this.dir, 'meta.db'));
  }

  private async shut(): Promise<void> {
    await this.objects.close();
    this.meta.close();
  }
}
