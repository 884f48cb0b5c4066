import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as messages from '@cucumber/messages';
import type { Verdict } from '../../harness/checks';
import { failureKind, MessageCollector } from '../../harness/runner';
import { ConsoleReporter } from '../../harness/report/console';
import { VERDICT_MEDIA_TYPE } from '../../harness/workflow/pool';

/** Feeds the collector the envelopes cucumber sends for one scenario with the given steps. */
function feed(steps: { text: string; status: 'PASSED' | 'FAILED'; verdicts?: Verdict[]; error?: { type: string; message: string } }[]) {
  const lines: string[] = [];
  const c = new MessageCollector('webapp-sessions', new ConsoleReporter((l) => lines.push(l)));
  const send = (e: Partial<messages.Envelope>) => c.onMessage(e as messages.Envelope);
  send({ pickle: { id: 'p', name: 'An idle session expires', steps: steps.map((s, i) => ({ id: `ps${i}`, text: s.text })) } as unknown as messages.Pickle });
  send({ testCase: { id: 'tc', pickleId: 'p', testSteps: steps.map((_, i) => ({ id: `ts${i}`, pickleStepId: `ps${i}` })) } as unknown as messages.TestCase });
  send({ testCaseStarted: { id: 'tcs', testCaseId: 'tc' } as messages.TestCaseStarted });
  steps.forEach((s, i) => {
    for (const v of s.verdicts ?? []) send({ attachment: { testCaseStartedId: 'tcs', mediaType: VERDICT_MEDIA_TYPE, body: JSON.stringify(v) } as messages.Attachment });
    const stack = s.error ? `${s.error.type}: ${s.error.message}\n    at Verifier.verify (/kit/harness/checks/verifier.ts:53:85)\n    at Scenario.verify (/kit/harness/workflow/scenario.ts:97:26)` : undefined;
    send({ testStepFinished: { testCaseStartedId: 'tcs', testStepId: `ts${i}`, testStepResult: { status: s.status, message: stack, exception: s.error && { type: s.error.type, message: s.error.message, stackTrace: stack } } } as unknown as messages.TestStepFinished });
  });
  send({ testCaseFinished: { testCaseStartedId: 'tcs' } as messages.TestCaseFinished });
  return { c, out: lines.join('\n') };
}

const failed: Verdict = {
  id: 'WS-14.redirect-to-login', name: 'redirectsTo', level: 'MUST', steps: [14], workflow: 'webapp-sessions', scenario: 'An idle session expires',
  result: 'fail', ok: false, expected: 'the answer is a redirect (302/303) to the login page (/login)', actual: 'answered 200 instead of a redirect',
  evidence: [{ seq: 5, from: 'Browser', to: 'Store', steps: [13], request: { method: 'GET', host: 'store.example.test', path: '/shopping-cart', headers: {} }, response: { status: 200, headers: {}, body: 'Your cart is empty' } }],
} as unknown as Verdict;

test('a failed check prints once, in the kit\'s words, under its step, without the kit\'s stack trace', () => {
  const { c, out } = feed([
    { text: 'the browser loads the shopping cart (step 13)', status: 'PASSED' },
    { text: 'the browser was redirected to the login page (step 14)', status: 'FAILED', verdicts: [failed], error: { type: 'CheckFailure', message: 'WS-14.redirect-to-login MUST redirectsTo failed at step 14' } },
  ]);
  assert.equal(out.split('WS-14.redirect-to-login').length - 1, 1, out);
  for (const part of ['expected: the answer is a redirect', 'actual:   answered 200 instead of a redirect', '#5 Browser -> Store: GET store.example.test/shopping-cart']) assert.equal(out.split(part).length - 1, 1, `${part} once in:\n${out}`);
  assert.ok(!/\bat Verifier\.verify|verifier\.ts/.test(out), 'no stack trace of the kit');
  assert.ok(out.indexOf('✗ the browser was redirected') < out.indexOf('✗ WS-14'), 'the check is printed under the step that failed');
  assert.equal(c.kitError, undefined);
  assert.equal(c.results()[0].status, 'FAILED');
});

test('a defect in the kit keeps its stack trace and is a kit error (exit 2); a backend failure is its message', () => {
  const kit = feed([{ text: 'the browser loads the shopping cart (step 13)', status: 'FAILED', error: { type: 'TypeError', message: "Cannot read properties of undefined (reading 'status')" } }]);
  assert.match(kit.out, /TypeError: Cannot read properties of undefined[\s\S]*at Verifier\.verify/);
  assert.match(kit.c.kitError?.message ?? '', /TypeError: .*in step "the browser loads the shopping cart \(step 13\)"/);
  const backend = feed([{ text: 'alice@example.com has logged in to the store', status: 'FAILED', error: { type: 'Error', message: 'precondition failed: alice@example.com could not log in to store' } }]);
  assert.match(backend.out, /precondition failed/);
  assert.ok(!backend.out.includes('at Verifier.verify'));
  assert.equal(backend.c.kitError, undefined);
  assert.deepEqual(['CheckFailure', 'TypeError', 'KitError', 'Error', 'BackendExitedError'].map(failureKind), ['check', 'kit', 'kit', 'backend', 'backend']);
});
