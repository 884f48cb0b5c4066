import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type KitRun, runKit, secretLeaks } from './kit-run';
import { assertCatalogued } from '../checks/catalogued';

/**
 * The shape every workflow's conformance test takes: the bundled references pass every
 * MUST and SHOULD, and each mutant (a reference with one defect) fails with the check id
 * that names its defect. `code` 0 marks a SHOULD-only defect: reported, still conforming.
 */
export interface MutantExpectation {
  code: 0 | 1;
  /** Exactly the check ids that fail (any other failing check is a finding). */
  failing: string[];
  /** Extra `loginflow run` arguments (e.g. browser mode). */
  args?: string[];
}

export function conformanceSuite(o: {
  workflow: string;
  references: Record<string, string>;
  mutants: Record<string, MutantExpectation>;
  /** Mutant configs on disk that this suite covers elsewhere (e.g. in browser mode). */
  coveredElsewhere?: string[];
  /**
   * Mutant configs on disk whose probe the workflow does not make yet: listed, with why, and
   * not run (they would pass unnoticed). Each moves to `mutants` with its exact failing set
   * once its probe exists; test/backend/oauth-review-mutants.test.ts proves each defect is there.
   */
  pending?: { mutants: string[]; why: string };
  referenceArgs?: string[];
  /** More assertions on a reference run (coverage of steps, INFO outcomes, reports). */
  onReference?: (r: KitRun, name: string) => void;
}): void {
  const dir = path.resolve(__dirname, '..', '..', 'backends', o.workflow);

  test(`${o.workflow}: every mutant config on disk has an expectation`, () => {
    const onDisk = fs.readdirSync(path.join(dir, 'mutants')).map((f) => f.replace(/\.json$/, '')).sort();
    assert.deepEqual(onDisk, [...Object.keys(o.mutants), ...(o.coveredElsewhere ?? []), ...(o.pending?.mutants ?? [])].sort());
  });
  if (o.pending?.mutants.length) test(`${o.workflow}: ${o.pending.mutants.length} mutants wait for their probe (${o.pending.why})`, { todo: o.pending.mutants.join(', ') }, () => {});

  // Each run is its own process and mostly waits on I/O; two at a time fit two cores.
  describe(`${o.workflow} against its references and mutants`, { concurrency: 2 }, () => {
    for (const [name, config] of Object.entries(o.references)) {
      test(`reference ${name} passes every MUST and SHOULD`, async () => {
        const r = await runKit(o.workflow, path.join(dir, config), `reference-${name}`, o.referenceArgs);
        assert.equal(r.code, 0, r.output);
        assert.deepEqual(r.failing, [], r.output);
        const scenarios = r.summary.workflows[0].scenarios;
        // SKIPPED: a scenario that does not apply to the variant in force (it says why, as an N/A verdict).
        assert.ok(scenarios.some((s: any) => s.status === 'PASSED') && scenarios.every((s: any) => s.status === 'PASSED' || s.status === 'SKIPPED'), r.output);
        for (const s of scenarios.filter((x: any) => x.status === 'SKIPPED')) assert.ok(s.verdicts.some((v: any) => v.result === 'na' && v.reason), `skipped "${s.name}" says why`);
        // Every id it produced is in the checks catalogue (README tables), and vice versa.
        assertCatalogued(o.workflow, r.summary, o.referenceArgs?.includes('chromium') ? 'chromium' : 'http', config === 'loginflow.json');
        assert.deepEqual(secretLeaks(r), [], 'no secret of the run in its report or output');
        o.onReference?.(r, name);
      });
    }
    for (const [mutant, e] of Object.entries(o.mutants)) {
      test(`mutant ${mutant} is caught by ${e.failing.join(', ')}`, async () => {
        const r = await runKit(o.workflow, path.join(dir, 'mutants', `${mutant}.json`), mutant, e.args);
        assert.equal(r.code, e.code, r.output);
        // The exact set: a check failing that the defect does not explain is a finding
        // (a check too eager, or a kit bug), not noise.
        assert.deepEqual([...r.failing].sort(), [...e.failing].sort(), `exactly ${e.failing.join(', ')} should fail; failing: ${r.failing.join(', ')}\n${r.output}`);
        if (e.code === 1) assert.match(r.output, /expected: .*\n\s+actual: /, 'a MUST failure says what was expected and what happened');
        // A failing run writes its evidence in full: still no secret in it.
        assert.deepEqual(secretLeaks(r), [], 'no secret of the run in its report or output');
      });
    }
  });
}
