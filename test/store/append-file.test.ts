import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AlignedStages } from '../../engine/store/aligned-stages.js';
import { AppendFile } from '../../engine/store/append-file.js';

/** Part sizes that land below, on and across block and stage boundaries, and one larger than a stage. */
const PART_SIZES = [1, 4094, 1, 3, 5000, 188 * 7, 0, 8192, 4096, 30_001, 188, 17];

describe('AppendFile', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-append-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [label, stages] of [
    ['direct where the filesystem allows, through 8 KiB stages', () => new AlignedStages(2, 8192)],
    ['through the page cache', () => undefined],
  ] as const) {
    it(`holds exactly the parts appended, in order: ${label}`, async () => {
      const path = join(dir, label.replace(/\W+/g, '-'));
      const file = await AppendFile.create(path, stages());
      const parts = PART_SIZES.map((n) => randomBytes(n));
      let size = 0;
      for (const part of parts) {
        await file.append(part);
        size += part.byteLength;
        assert.equal(file.size, size);
      }
      await file.finish(true);
      assert.deepEqual(readFileSync(path), Buffer.concat(parts));
    });
  }

  it('lends each stage to one holder at a time, then to the waiting ones in arrival order', async () => {
    const stages = new AlignedStages(1, 4096);
    const first = await stages.take();
    const order: number[] = [];
    const second = stages.take().then((s) => (order.push(2), s));
    const third = stages.take().then((s) => (order.push(3), s));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, []);
    stages.give(first);
    stages.give(await second);
    assert.equal(await third, first);
    assert.deepEqual(order, [2, 3]);
  });
});
