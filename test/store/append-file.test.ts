import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AlignedStages } from '../../engine/store/aligned-stages.js';
import { AppendFile } from '../../engine/store/append-file.js';

/**
 * Part sizes that land below, on and across block and stage (8 KiB) boundaries, one larger than two
 * stages, ending mid-block; then parts ending on a stage boundary.
 */
const PART_SIZES = [
  [1, 4094, 1, 3, 5000, 188 * 7, 0, 8192, 4096, 30_001, 188, 17],
  [100, 8092, 16_384],
];

describe('AppendFile', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lb-append-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [label, stages] of [
    ['direct where the filesystem allows, through 8 KiB stages', () => new AlignedStages(8192, 2, 4)],
    ['through the page cache', () => undefined],
  ] as const) {
    it(`holds exactly the parts appended, in order: ${label}`, async () => {
      for (const [n, sizes] of PART_SIZES.entries()) {
        const path = join(dir, `${label.replace(/\W+/g, '-')}-${n}`);
        const file = await AppendFile.create(path, stages());
        const parts = sizes.map((size) => randomBytes(size));
        let size = 0;
        for (const part of parts) {
          await file.append(part);
          size += part.byteLength;
          assert.equal(file.size, size);
        }
        await file.finish(true);
        assert.deepEqual(readFileSync(path), Buffer.concat(parts));
      }
    });
  }

  it('hands out distinct aligned stages, growing by slabs, reuses those given back and lets whole slabs go past the bound', () => {
    const stages = new AlignedStages(8192, 2, 2);
    const taken = [stages.take(), stages.take(), stages.take()];
    assert.equal(new Set(taken).size, 3);
    for (const stage of taken) assert.equal(stage.byteLength, 8192);
    assert.equal(taken[0]!.buffer, taken[1]!.buffer);
    assert.notEqual(taken[2]!.buffer, taken[0]!.buffer);
    assert.equal(stages.retainedBytes, 4 * 8192);
    stages.give(taken[1]!);
    assert.equal(stages.take(), taken[1]);
    // Three free (over the bound of two) once the first slab is whole again: that slab goes.
    stages.give(taken[2]!);
    stages.give(taken[0]!);
    stages.give(taken[1]!);
    assert.equal(stages.retainedBytes, 2 * 8192);
    assert.equal(stages.take().buffer, taken[2]!.buffer);
  });
});
