import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runKit } from '../workflows/kit-run';

/**
 * A SHOULD failure is no green success (#31): session fixation (WS-8.new-session-id, a SHOULD)
 * run as a user runs it, --quiet: exit 0 as before, but the step line whose check failed is !,
 * the check is printed once, and the run ends CONFORMS WITH WARNINGS, naming it, in the console
 * and in summary.json; with --fail-on-warn the same badge and exit 1.
 */
const CONFIG = path.resolve(__dirname, '..', '..', 'backends', 'webapp-sessions', 'mutants', 'session-fixation.json');

test('a SHOULD failure: exit 0, its step line !, printed once, CONFORMS WITH WARNINGS in the closing summary (kept under --quiet) and summary.json', async () => {
  const r = await runKit('webapp-sessions', CONFIG, 'badge-should');
  try {
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(r.failing, ['WS-8.new-session-id']);
    const lines = r.output.split('\n');
    assert.ok(lines.includes('    ! the store issued a new session id, not the one the browser held (step 8)  [WS-8.new-session-id]'), r.output);
    assert.equal(r.output.split('WS-8.new-session-id SHOULD sessionIdRenewedAtLogin failed at step 8').length - 1, 1, 'the failure in full, once');
    assert.ok(!lines.some((l) => /✓ the store issued a new session id/.test(l)), 'no ✓ on the step whose check failed');
    const row = lines.find((l) => l.startsWith('webapp-sessions '));
    assert.match(row ?? '', /^webapp-sessions +CONFORMS WITH WARNINGS +90\/90 +14\/15 +0 +19\/19 passed +\d+\.\d s +reports\/test-runs\/webapp-sessions\/badge-should\/webapp-sessions\.html$/, r.output);
    assert.match(lines[lines.indexOf(row!) + 1], /^ +! WS-8\.new-session-id SHOULD: session fixation: /);
    assert.equal(r.summary.workflows[0].badge, 'CONFORMS WITH WARNINGS');
    assert.equal(r.summary.exitCode, 0);
    assert.match(fs.readFileSync(path.join(r.reports, 'index.html'), 'utf8'), /<span class="badge warn">CONFORMS WITH WARNINGS<\/span>/);
  } finally {
    for (const p of [r.reports, `${r.reports}.issued-secrets`]) fs.rmSync(p, { recursive: true, force: true });
  }
});

test('--fail-on-warn: the same badge, and exit 1 from the gate', async () => {
  const r = await runKit('webapp-sessions', CONFIG, 'badge-fail-on-warn', ['--fail-on-warn']);
  try {
    assert.equal(r.code, 1, r.output);
    assert.match(r.output, /\nwebapp-sessions +CONFORMS WITH WARNINGS /);
    assert.match(r.output, /1 SHOULD check\(s\) failed and --fail-on-warn is on: WS-8\.new-session-id/);
  } finally {
    for (const p of [r.reports, `${r.reports}.issued-secrets`]) fs.rmSync(p, { recursive: true, force: true });
  }
});
