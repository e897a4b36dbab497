import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IngestBudget } from '../../engine/pipeline/ingest-budget.js';

const KiB = 1 << 10;
const MiB = 1 << 20;

describe('IngestBudget', () => {
  it('gives each publish an equal share of the budget, between the floor and the ceiling', () => {
    const budget = new IngestBudget(64 * MiB, 512 * KiB, 4 * MiB);
    assert.equal(budget.share(), 4 * MiB, 'nobody publishing: the ceiling');
    const leave = Array.from({ length: 16 }, () => budget.join());
    assert.equal(budget.share(), 4 * MiB, '16 publishes: 64 MiB / 16');
    leave.push(...Array.from({ length: 16 }, () => budget.join()));
    assert.equal(budget.share(), 2 * MiB, '32 publishes: 64 MiB / 32');
    leave.push(...Array.from({ length: 168 }, () => budget.join()));
    assert.equal(budget.share(), 512 * KiB, '200 publishes: the floor, not 64 MiB / 200');
    for (const l of leave.splice(16)) l();
    assert.equal(budget.share(), 4 * MiB, 'back to 16');
  });

  it('counts a publish that leaves twice once', () => {
    const budget = new IngestBudget(8 * MiB, 1 * MiB, 8 * MiB);
    const a = budget.join();
    budget.join();
    assert.equal(budget.share(), 4 * MiB);
    a();
    a();
    assert.equal(budget.share(), 8 * MiB);
  });

  it('refuses a floor above the ceiling', () => {
    assert.throws(() => new IngestBudget(MiB, 2 * MiB, MiB), /floor above ceiling/);
  });
});
