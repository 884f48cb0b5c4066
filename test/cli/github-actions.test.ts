import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/**
 * The example CI workflow's own commands, run here as CI would run them: if they stop
 * working, this test says so. Install steps (npm ci, apt-get) are what .ci/run already
 * did for this checkout, so they are not repeated.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const file = path.join(ROOT, 'docs', 'examples', 'github-actions.yml');

test('the example GitHub Actions workflow is valid YAML with the gate step', () => {
  const wf = parse(fs.readFileSync(file, 'utf8'));
  const steps = wf.jobs.conformance.steps as { name?: string; run?: string }[];
  assert.ok(steps.some((s) => s.run?.includes('loginflow run') && s.run.includes('--fail-on-warn')));
});

test("the example workflow's commands pass on the bundled reference backend", () => {
  const wf = parse(fs.readFileSync(file, 'utf8'));
  const steps = (wf.jobs.conformance.steps as { name?: string; run?: string }[]).filter((s) => s.run && !/npm ci|apt-get/.test(s.run));
  assert.ok(steps.length >= 2);
  for (const s of steps) {
    const r = spawnSync('bash', ['-c', s.run!.replace(/^npx loginflow/gm, `node ${path.join(ROOT, 'bin', 'loginflow.js')}`)], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, `step "${s.name}" failed:\n${r.stdout}\n${r.stderr}`);
  }
  assert.ok(fs.existsSync(path.join(ROOT, 'reports', 'ci', 'junit.xml')), 'JUnit XML for the CI system');
});
