import assert from 'node:assert/strict';
import { loadCatalogue } from '../../harness/checks/catalogue';

/**
 * A reference run's verdicts (summary.json) against the checks catalogue: the same ids,
 * levels and steps. Called on the reference runs the conformance suites make anyway, so the
 * catalogue (and the docs/checks.md tables generated from it) cannot drift from the code.
 */
export function assertCatalogued(workflow: string, summary: any, mode: 'http' | 'chromium' = 'http', exact = true): void {
  const entries = (loadCatalogue()[workflow] ?? []).filter((e) => !e.mode || e.mode === mode);
  // The one-application N/A (a config without forums) is about the config, not a check of the workflow.
  const verdicts: { id: string; level: string; steps: number[] }[] = summary.workflows.flatMap((w: any) => w.scenarios.flatMap((s: any) => s.verdicts)).filter((v: any) => !v.id.endsWith('.second-app'));
  const ran = [...new Set(verdicts.map((v) => v.id))].sort();
  const fix = 'the checks catalogue is out of date: run `npm run checks:update` (it re-records harness/checks/check-catalogue.json and the tables in docs/checks.md)';
  // The catalogue is recorded from the workflow's main reference; another reference (one app,
  // a JSON login) produces a subset of it, never an id it lacks.
  if (exact) assert.deepEqual(ran, entries.map((e) => e.id).sort(), `${workflow} (${mode} mode): ${fix}`);
  else assert.deepEqual(ran.filter((id) => !entries.some((e) => e.id === id)), [], `${workflow} (${mode} mode): ids not in the catalogue; ${fix}`);
  for (const v of verdicts) {
    const e = entries.find((x) => x.id === v.id)!;
    assert.equal(v.level, e.level, `${v.id}: level; ${fix}`);
    for (const s of v.steps) assert.ok(e.steps.includes(s), `${v.id}: step ${s} not in the catalogue's ${e.steps.join(', ')}; ${fix}`);
  }
}
