import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadCorpus, runCampaign } from './campaign.js';
import type { Finding } from './executor.js';
import { TARGETS } from './targets.js';

/** Per target, after its corpus: enough to catch a regression on the seeds' neighbours in a few seconds. */
const MUTATIONS = 3000;

for (const target of TARGETS) {
  test(`fuzz corpus pass: ${target.name} (${target.format})`, () => {
    assert.ok(loadCorpus(target).length > 0, `${target.name} has no corpus`);
    const findings: string[] = [];
    const result = runCampaign(target, {
      // Fixed seed: CI is a replayable regression pass; `npm run fuzz` explores.
      seed: 0x5eed + target.name.length,
      maxMutations: MUTATIONS,
      memoryEvery: 1,
      onFinding: (f: Finding, input) => findings.push(`${f.kind} ${f.signature} on ${Buffer.from(input).toString('hex').slice(0, 200)}\n${f.detail}`),
    });
    assert.deepEqual(findings, []);
    assert.ok(result.executions >= result.corpusEntries + MUTATIONS);
  });
}
