import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type * as messages from '@cucumber/messages';
import type { Verdict } from '../../harness/checks';
import { ScenarioFailed } from '../../harness/checks';
import { workflowBadge as badgeOf } from '../../harness/report/conformance';
import { closingSummary, ConsoleReporter, runEnd, stepMark } from '../../harness/report/console';
import { summary } from '../../harness/report/write';
import type { ScenarioResult, WorkflowResult } from '../../harness/result/model';
import { MessageCollector } from '../../harness/runner';
import { VERDICT_MEDIA_TYPE } from '../../harness/workflow/pool';

function verdict(id: string, level: 'MUST' | 'SHOULD' | 'INFO', result: Verdict['result'], o: Partial<Verdict> = {}): Verdict {
  return { id, name: id.split('.')[1] ?? id, level, steps: [8], workflow: 'webapp-sessions', result, ok: result !== 'fail', expected: `${id} holds`, actual: result === 'fail' ? `${id} did not hold` : 'held', evidence: [], ...o };
}

type Step = { text?: string; status: 'PASSED' | 'FAILED' | 'SKIPPED'; verdicts?: Verdict[]; error?: Error };

/** The envelopes cucumber sends for one scenario (a step without text is a hook), fed to a collector printing to a console reporter. */
function run(steps: Step[], o: { quiet?: boolean; singleApp?: boolean } = {}) {
  const lines: string[] = [];
  const c = new MessageCollector('webapp-sessions', new ConsoleReporter((l) => lines.push(...l.split('\n')), o));
  const send = (e: Partial<messages.Envelope>) => c.onMessage(e as messages.Envelope);
  const texts = steps.map((s, i) => ({ id: `ps${i}`, text: s.text })).filter((p) => p.text !== undefined);
  send({ pickle: { id: 'p', name: 'A new session id is issued at every login', steps: texts } as unknown as messages.Pickle });
  send({ testCase: { id: 'tc', pickleId: 'p', testSteps: steps.map((s, i) => ({ id: `ts${i}`, ...(s.text !== undefined ? { pickleStepId: `ps${i}` } : { hookId: 'h' }) })) } as unknown as messages.TestCase });
  send({ testCaseStarted: { id: 'tcs', testCaseId: 'tc' } as messages.TestCaseStarted });
  steps.forEach((s, i) => {
    for (const v of s.verdicts ?? []) send({ attachment: { testCaseStartedId: 'tcs', testStepId: `ts${i}`, mediaType: VERDICT_MEDIA_TYPE, body: JSON.stringify(v) } as messages.Attachment });
    const e = s.error;
    send({ testStepFinished: { testCaseStartedId: 'tcs', testStepId: `ts${i}`, testStepResult: { status: s.status, ...(e && { message: e.stack, exception: { type: e.name, message: e.message, stackTrace: e.stack } }) } } as unknown as messages.TestStepFinished });
  });
  send({ testCaseFinished: { testCaseStartedId: 'tcs' } as messages.TestCaseFinished });
  return { lines, result: c.results()[0] };
}

const fixation = verdict('WS-8.new-session-id', 'SHOULD', 'fail', { actual: 'session fixation: the id the browser held before login is the one it holds after' });
const redirect = verdict('WS-14.redirect-to-login', 'MUST', 'fail', { actual: 'answered 200 instead of a redirect' });

test('a step line is ! when a SHOULD recorded on it failed, ✗ for a MUST, ✓ only when everything on it held, – when nothing applied', () => {
  const { lines } = run([
    { text: 'the browser logs in to the store again (steps 5-9)', status: 'PASSED', verdicts: [verdict('WS-5.password-not-in-url', 'MUST', 'pass')] },
    { text: 'the store issued a new session id (step 8)', status: 'PASSED', verdicts: [verdict('WS-8.cookie-httponly', 'MUST', 'pass'), fixation] },
    { text: 'the browser was redirected to the login page (step 14)', status: 'PASSED', verdicts: [fixation, redirect] },
    { text: 'the app moved the JWT to local storage (step 7)', status: 'PASSED', verdicts: [verdict('SLJ-7.jwt-in-local-storage', 'MUST', 'na', { reason: 'not checked in HTTP mode' })] },
  ]);
  const stepLines = lines.filter((l) => /^    \S/.test(l));
  assert.deepEqual(stepLines, [
    '    ✓ the browser logs in to the store again (steps 5-9)',
    '    ! the store issued a new session id (step 8)  [WS-8.new-session-id]',
    '    ✗ the browser was redirected to the login page (step 14)  [WS-8.new-session-id, WS-14.redirect-to-login]',
    '    – the app moved the JWT to local storage (step 7)  [not checked in HTTP mode]',
  ]);
  assert.deepEqual(stepMark({ text: 'x', status: 'FAILED', verdicts: [] }), { mark: '✗', why: '  [FAILED]' });
  assert.deepEqual(stepMark({ text: 'x', status: 'SKIPPED', verdicts: [] }), { mark: '-', why: '' });
  assert.deepEqual(stepMark({ text: 'x', status: 'UNDEFINED', verdicts: [] }), { mark: '?', why: '  [UNDEFINED]' });
});

test('a failed MUST prints once: the scenario-end failure in a hook does not print it again under (hook)', () => {
  const { lines, result } = run([
    { text: 'the browser was redirected to the login page (step 14)', status: 'PASSED', verdicts: [redirect] },
    { text: 'the shopping cart of alice@example.com is shown (step 15)', status: 'PASSED' },
    { status: 'FAILED', error: new ScenarioFailed([redirect]) },
  ]);
  const out = lines.join('\n');
  assert.equal(out.split('actual:   answered 200 instead of a redirect').length - 1, 1, out);
  assert.ok(!out.includes('(hook)'), out);
  assert.ok(!out.includes('ScenarioFailed'), out);
  assert.equal(result.status, 'FAILED', 'the scenario still failed');
  assert.equal(result.errors.length, 1, 'and keeps its error for summary.json');
});

test('a hook that fails for another reason is still printed, with its message', () => {
  const { lines } = run([{ text: 'the store and the forums are running against the FusionAuth double', status: 'PASSED' }, { status: 'FAILED', error: new Error('the store exited with code 1') }]);
  assert.ok(lines.includes('    ✗ (hook)  [FAILED]'), lines.join('\n'));
  assert.ok(lines.some((l) => l.trim() === 'Error: the store exited with code 1'), lines.join('\n'));
});

test('--quiet keeps the failures (under their scenario) and drops every other step line', () => {
  const { lines } = run(
    [
      { text: 'alice@example.com has logged in to the store', status: 'PASSED', verdicts: [verdict('WS-5.password-not-in-url', 'MUST', 'pass')] },
      { text: 'the store issued a new session id (step 8)', status: 'PASSED', verdicts: [fixation] },
    ],
    { quiet: true },
  );
  assert.deepEqual(lines.slice(0, 3), ['  Scenario: A new session id is issued at every login', '    ! the store issued a new session id (step 8)  [WS-8.new-session-id]', '      ! WS-8.new-session-id SHOULD new-session-id failed at step 8 of webapp-sessions']);
  assert.ok(!lines.some((l) => l.includes('alice@example.com has logged in')));
});

test('a run with one application is worded as one: no "the store and the forums are running"', () => {
  const one = run([{ text: 'the store and the forums are running against the FusionAuth double', status: 'PASSED' }], { singleApp: true });
  assert.ok(one.lines.includes('    ✓ the store is running against the FusionAuth double'), one.lines.join('\n'));
  const two = run([{ text: 'the store and the forums are running against the FusionAuth double', status: 'PASSED' }]);
  assert.ok(two.lines.includes('    ✓ the store and the forums are running against the FusionAuth double'));
});

function wf(workflow: string, scenarios: Partial<ScenarioResult>[], o: Partial<WorkflowResult> = {}): WorkflowResult {
  return { workflow, configFile: 'loginflow.json', undefinedSteps: [], exitCode: 0, durationMs: 2500, scenarios: scenarios.map((s, i) => ({ workflow, name: `s${i}`, status: 'PASSED', verdicts: [], exchanges: [], errors: [], ...s })), ...o };
}

test('the badges: CONFORMS, CONFORMS WITH WARNINGS for a SHOULD failure, DOES NOT CONFORM for exit 1, KIT ERROR for exit 2', () => {
  const pass = verdict('WS-8.cookie-httponly', 'MUST', 'pass');
  assert.equal(badgeOf(wf('w', [{ verdicts: [pass] }])), 'CONFORMS');
  assert.equal(badgeOf(wf('w', [{ verdicts: [pass, fixation] }])), 'CONFORMS WITH WARNINGS');
  assert.equal(badgeOf(wf('w', [{ verdicts: [redirect, fixation], status: 'FAILED' }], { exitCode: 1 })), 'DOES NOT CONFORM');
  assert.equal(badgeOf(wf('w', [], { exitCode: 2, kitError: 'store never started' })), 'KIT ERROR');
  const json = summary([wf('w', [{ verdicts: [pass, fixation] }])]);
  assert.equal(json.workflows[0].badge, 'CONFORMS WITH WARNINGS', 'summary.json carries the badge');
  assert.equal(json.exitCode, 0, 'the exit code is unchanged');
});

test('the closing summary: a line per workflow with badge, MUST and SHOULD held, N/A, scenarios, time and report; the SHOULD failures under their badge', () => {
  const na = verdict('WJC-12.refresh-called', 'MUST', 'na', { reason: 'refreshEndpoint=/oauth2/token' });
  const pass = verdict('WJC-8.cookie-httponly', 'MUST', 'pass');
  const results = [
    wf('webapp-jwt-cookies', [...Array(61).fill({ verdicts: [pass] }), { status: 'SKIPPED', verdicts: [na] }, { status: 'SKIPPED', verdicts: [na] }], { durationMs: 27_512 }),
    wf('webapp-sessions', [{ verdicts: [pass, fixation, verdict('WS-8.session-id-entropy', 'SHOULD', 'pass')] }]),
    wf('webapp-oauth-code-sessions', [{ verdicts: [redirect], status: 'FAILED' }, { verdicts: [pass] }], { exitCode: 1, durationMs: 900 }),
    wf('spa-localstorage-jwt', [], { exitCode: 2, kitError: 'the store backend did not become ready', kitErrorCode: 'BACKEND_START', durationMs: undefined }),
  ];
  const reports = path.join(process.cwd(), 'reports');
  assert.deepEqual(closingSummary(results, reports), [
    '\nworkflow                    verdict                 MUST      SHOULD   N/A   scenarios                 time     report',
    'webapp-jwt-cookies          CONFORMS                61/61     0/0      2     61/63 passed, 2 N/A       27.5 s   reports/webapp-jwt-cookies.html',
    'webapp-sessions             CONFORMS WITH WARNINGS  1/1       1/2      0     1/1 passed                2.5 s    reports/webapp-sessions.html',
    '                            ! WS-8.new-session-id SHOULD: session fixation: the id the browser held before login is the one it holds after',
    'webapp-oauth-code-sessions  DOES NOT CONFORM        1/2       0/0      0     1/2 passed, 1 failed      0.9 s    reports/webapp-oauth-code-sessions.html',
    'spa-localstorage-jwt        KIT ERROR               0/0       0/0      0     0/0 passed                -        reports/spa-localstorage-jwt.html',
    '                            [BACKEND_START] the store backend did not become ready',
  ]);
});

test('a quiet run still ends with the closing summary and the exit line; the diagrams line is for loud runs only', () => {
  const outcome = { results: [wf('webapp-sessions', [{ verdicts: [fixation] }])], gate: { exitCode: 0, lines: [] }, rendering: { mode: 'source', reason: '--no-render' } as never };
  const reports = path.join(process.cwd(), 'reports');
  const quiet = runEnd(outcome, reports, true);
  assert.deepEqual(quiet.slice(1), [
    'webapp-sessions  CONFORMS WITH WARNINGS  0/0       0/1      0     1/1 passed                2.5 s    reports/webapp-sessions.html',
    '                 ! WS-8.new-session-id SHOULD: session fixation: the id the browser held before login is the one it holds after',
    '\nreports: reports/  exit 0 (all MUST checks hold)',
  ]);
  assert.equal(runEnd(outcome, reports, false)[0], '\ndiagrams: source: --no-render');
});
