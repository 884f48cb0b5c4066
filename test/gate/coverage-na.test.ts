import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Verdict } from '../../harness/checks';
import { gate } from '../../harness/gate';
import type { WorkflowResult } from '../../harness/report/write';

/** --coverage: a step N/A because the config declares it (login.mode, one app) is not a gap; N/A for any other reason is. */
const na = (id: string, steps: number[], declaredBy?: string): Verdict => ({
  id, name: id, level: 'MUST', steps, workflow: 'webapp-sessions', result: 'na', ok: true, expected: 'x', actual: 'r', reason: 'r', evidence: [], ...(declaredBy ? { declaredBy } : {}),
});
const run = (verdicts: Verdict[], exercised: number[]): WorkflowResult[] => [
  { workflow: 'webapp-sessions', configFile: 'c.json', exitCode: 0, undefinedSteps: [], exercisedSteps: exercised, scenarios: [{ workflow: 'webapp-sessions', name: 's', status: 'PASSED', verdicts, exchanges: [], errors: [] }] } as WorkflowResult,
];
const arrows = { 'webapp-sessions': [1, 2, 3, 4] };

test('declared N/A steps are excluded from coverage failures, and the gate says so', () => {
  const r = gate(run([na('WS-4.login-form', [4], 'store.login.mode')], [1, 2, 3]), { coverage: true, arrows });
  assert.equal(r.exitCode, 0, r.lines.join('\n'));
  assert.match(r.lines.join('\n'), /step\(s\) 4 not applicable as the config declares \(store\.login\.mode\): not counted/);
});

test('N/A for any other reason (not declared by the config) is still a coverage failure', () => {
  const r = gate(run([na('SLJ-7.jwt-in-local-storage', [4])], [1, 2, 3]), { coverage: true, arrows });
  assert.equal(r.exitCode, 1);
  assert.match(r.lines.join('\n'), /coverage gate: step\(s\) 4 of the diagram were not exercised/);
});
