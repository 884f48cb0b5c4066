import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as messages from '@cucumber/messages';
import { ERROR_CODES, type ErrorCode, KitError, LoginflowError, codeOf, describeError, exitCodeFor, failureCode, worstExit } from '../../harness/errors';
import { ConfigError, KitError as KitErrorFromConfig } from '../../harness/backend/config';
import { RedirectLoopError, TransportError, UnknownHostError } from '../../harness/browser/errors';
import { BrowserSetupError } from '../../harness/browser/mode';
import { CheckFailure, ScenarioFailed, type Verdict } from '../../harness/checks';
import { ExpectedFailuresError } from '../../harness/gate/expected-failures';
import { DiagramError } from '../../harness/spec/diagram';
import { BackendExitedError } from '../../harness/workflow/environment';
import { EnvironmentError, KIT_ERROR_MEDIA_TYPE } from '../../harness/workflow/pool';
import { failureKind, MessageCollector } from '../../harness/runner';
import { ConsoleReporter } from '../../harness/report/console';

/**
 * Error codes are a public contract (docs/error-codes.md): CI scripts match on them and
 * on the exit code each one gives. These tests pin both, and that every error the kit
 * throws on purpose carries one.
 */

test('each code gives its exit code: 2 for the kit, its config or its input, 1 for a backend that does not conform', () => {
  const exits = Object.fromEntries(Object.entries(ERROR_CODES).map(([c, v]) => [c, v.exit]));
  assert.deepEqual(exits, {
    INPUT_INVALID: 2,
    CONFIG_NOT_FOUND: 2,
    CONFIG_INVALID: 2,
    EXPECTED_FAILURES_INVALID: 2,
    BROWSER_MISSING: 2,
    PORT_IN_USE: 2,
    BACKEND_START: 2,
    BACKEND_STOP: 2,
    DOUBLE_GAP: 2,
    SPEC_INVALID: 2,
    STEP_UNDEFINED: 2,
    INTERNAL: 2,
    CHECK_FAILED: 1,
    STEP_FAILED: 1,
    BACKEND_EXITED: 1,
    TIMEOUT: 1,
    REQUEST_FAILED: 1,
    REDIRECT_LOOP: 1,
    UNKNOWN_HOST: 1,
    EXPECTED_FAILURE_STALE: 1,
    COVERAGE_GAP: 1,
  });
  for (const c of Object.keys(ERROR_CODES) as ErrorCode[]) assert.equal(exitCodeFor(c), ERROR_CODES[c].exit);
  assert.equal(worstExit([]), 0);
  assert.equal(worstExit(['CHECK_FAILED', 'TIMEOUT']), 1);
  assert.equal(worstExit(['CHECK_FAILED', 'DOUBLE_GAP', 'STEP_FAILED']), 2);
});

const verdict = { id: 'W-8.cookie-set', name: 'cookieSet', level: 'MUST', steps: [8], workflow: 'w', result: 'fail', ok: false, expected: 'a cookie', actual: 'none', evidence: [] } as unknown as Verdict;
const deadApp = { name: 'store', target: { exited: () => ({ code: 3 }), output: () => 'boom' } } as unknown as ConstructorParameters<typeof BackendExitedError>[0];

test('every error class has its code, its name and its message, and prints the code like Node does (Type [CODE]: message)', () => {
  const cases: [Error, string, ErrorCode, RegExp][] = [
    [new ConfigError('x.json: "store.comand" unknown'), 'ConfigError', 'CONFIG_INVALID', /^x\.json: "store\.comand" unknown$/],
    [new ConfigError('x.json: cannot read', 'CONFIG_NOT_FOUND'), 'ConfigError', 'CONFIG_NOT_FOUND', /cannot read/],
    [new KitError('port 3000 is taken', 'PORT_IN_USE'), 'KitError', 'PORT_IN_USE', /^port 3000 is taken$/],
    [new BrowserSetupError('--browser chromium needs a Chromium'), 'BrowserSetupError', 'BROWSER_MISSING', /needs a Chromium/],
    [new ExpectedFailuresError('f.json: entry 0 is not an object'), 'ExpectedFailuresError', 'EXPECTED_FAILURES_INVALID', /entry 0/],
    [new DiagramError('w has no step 99'), 'DiagramError', 'SPEC_INVALID', /no step 99/],
    [new TransportError('GET', 'http://store.example.test/', 'ECONNREFUSED', ''), 'TransportError', 'REQUEST_FAILED', /^GET http:\/\/store\.example\.test\/ failed: ECONNREFUSED$/],
    [new TransportError('GET', 'http://store.example.test/', 'TIMEOUT', 'no complete response within 300ms'), 'TransportError', 'TIMEOUT', /failed: TIMEOUT \(no complete response/],
    [new TransportError('GET', 'http://store.example.test/', 'UND_ERR_HEADERS_TIMEOUT', 'x'), 'TransportError', 'TIMEOUT', /UND_ERR_HEADERS_TIMEOUT/],
    [new RedirectLoopError('limit', [{ method: 'GET', url: 'http://a/', status: 302, location: '/' }], 10), 'RedirectLoopError', 'REDIRECT_LOOP', /^too many redirects \(limit 10\)/],
    [new UnknownHostError('evil.example', 'http://evil.example/', ['store.example.test']), 'UnknownHostError', 'UNKNOWN_HOST', /"evil\.example"/],
    [new CheckFailure(verdict, 'W-8.cookie-set MUST cookieSet failed'), 'CheckFailure', 'CHECK_FAILED', /^W-8\.cookie-set MUST/],
    [new ScenarioFailed([verdict]), 'ScenarioFailed', 'CHECK_FAILED', /^MUST check\(s\) failed in this scenario: W-8\.cookie-set/],
    [new BackendExitedError(deadApp, 'during this step'), 'BackendExitedError', 'BACKEND_EXITED', /^the store backend exited with code 3 during this step/],
    [new EnvironmentError(new KitError('store backend did not become ready', 'BACKEND_START')), 'EnvironmentError', 'BACKEND_START', /^store backend did not become ready$/],
  ];
  for (const [err, name, code, message] of cases) {
    assert.ok(err instanceof LoginflowError, `${name} is a LoginflowError`);
    assert.equal(err.name, name);
    assert.equal((err as LoginflowError).code, code, name);
    assert.match(err.message, message, name);
    assert.equal(err.stack!.split('\n')[0], `${name} [${code}]: ${err.message.split('\n')[0]}`, `${name}'s stack names its code`);
    assert.equal(String(err), `${name}: ${err.message}`, 'toString is unchanged');
  }
  assert.equal(KitErrorFromConfig, KitError, 'backend/config re-exports the one KitError');
  // The raw errno / undici code stays readable, apart from the stable code.
  assert.equal(new TransportError('GET', 'http://x/', 'ECONNRESET', '').transportCode, 'ECONNRESET');
});

test('an environment that cannot start is exit 2 whatever broke it: its cause\'s code when that stops the run, else BACKEND_START', () => {
  assert.equal(new EnvironmentError(new ConfigError('bad', 'CONFIG_INVALID')).code, 'CONFIG_INVALID');
  assert.equal(new EnvironmentError(new KitError('no Chromium', 'BROWSER_MISSING')).code, 'BROWSER_MISSING');
  assert.equal(new EnvironmentError(new TransportError('GET', 'http://x/', 'ECONNREFUSED', '')).code, 'BACKEND_START');
  assert.equal(new EnvironmentError(new TypeError('x is undefined')).code, 'INTERNAL');
  assert.equal(new EnvironmentError('a string').message, 'a string');
});

test('codeOf and describeError: a coded error prints as "error [CODE] message", anything else is INTERNAL', () => {
  assert.equal(codeOf(new ConfigError('x')), 'CONFIG_INVALID');
  assert.equal(codeOf(new TypeError('x')), 'INTERNAL');
  assert.equal(codeOf('thrown string'), 'INTERNAL');
  assert.equal(describeError(new ConfigError('x.json: not valid JSON')), 'error [CONFIG_INVALID] x.json: not valid JSON');
  assert.equal(describeError(new RangeError('bad')), 'error [INTERNAL] bad');
});

test('the code of an error thrown in a step survives cucumber, which keeps only its type and stack', async () => {
  // What cucumber-js does with a step's error (runtime/format_error): type = constructor name.
  const { formatError } = require('@cucumber/cucumber/lib/runtime/format_error') as { formatError(e: Error, filter: boolean): { message: string; exception: { type: string; message: string; stackTrace: string } } };
  const gap = formatError(new KitError('Store called GET /api/x: the FusionAuth double does not implement it', 'DOUBLE_GAP'), true);
  assert.equal(gap.exception.type, 'KitError');
  assert.equal(failureCode(gap.exception.type, gap.exception.stackTrace), 'DOUBLE_GAP');
  assert.equal(failureCode(gap.exception.type, gap.message), 'DOUBLE_GAP');
  const exited = formatError(new BackendExitedError(deadApp, 'during this step'), true);
  assert.equal(failureCode(exited.exception.type, exited.message), 'BACKEND_EXITED');
  const plain = formatError(new Error('the store set no cookie at login'), true);
  assert.equal(failureCode(plain.exception.type, plain.message), 'STEP_FAILED');
  const defect = formatError(new TypeError("Cannot read properties of undefined (reading 'x')"), true);
  assert.equal(failureCode(defect.exception.type, defect.message), 'INTERNAL');
});

test('failureCode: the code in the stack\'s first line when it is the type\'s and a known code; else by type', () => {
  assert.equal(failureCode('KitError', 'KitError [BACKEND_START]: store backend did not become ready\n    at x'), 'BACKEND_START');
  assert.equal(failureCode('KitError', 'KitError: old-style, no code'), 'INTERNAL');
  assert.equal(failureCode('Error', 'KitError [BACKEND_START]: a message that quotes another error'), 'STEP_FAILED');
  assert.equal(failureCode('KitError', 'KitError [NO_SUCH_CODE]: x'), 'INTERNAL');
  assert.equal(failureCode('CheckFailure'), 'CHECK_FAILED');
  assert.equal(failureCode('ScenarioFailed'), 'CHECK_FAILED');
  for (const t of ['TypeError', 'ReferenceError', 'RangeError', 'SyntaxError', 'AssertionError']) assert.equal(failureCode(t), 'INTERNAL', t);
  assert.equal(failureCode('Error', 'Error: precondition failed'), 'STEP_FAILED');
  assert.equal(failureKind('KitError', 'KitError [DOUBLE_GAP]: x'), 'backend', 'a coded kit error prints its message, not the kit\'s stack');
  assert.equal(failureKind('KitError', 'KitError [INTERNAL]: x'), 'kit', 'a defect keeps its stack');
});

/** The envelopes of one scenario with one step that failed with `error` (as cucumber sends them). */
function failOneStep(error: Error, attachment?: object) {
  const lines: string[] = [];
  const c = new MessageCollector('webapp-sessions', new ConsoleReporter((l) => lines.push(l)));
  const send = (e: Partial<messages.Envelope>) => c.onMessage(e as messages.Envelope);
  send({ pickle: { id: 'p', name: 'S', steps: [{ id: 'ps0', text: 'alice logs in (step 5)' }] } as unknown as messages.Pickle });
  send({ testCase: { id: 'tc', pickleId: 'p', testSteps: [{ id: 'ts0', pickleStepId: 'ps0' }] } as unknown as messages.TestCase });
  send({ testCaseStarted: { id: 'tcs', testCaseId: 'tc' } as messages.TestCaseStarted });
  if (attachment) send({ attachment: { testCaseStartedId: 'tcs', mediaType: KIT_ERROR_MEDIA_TYPE, body: JSON.stringify(attachment) } as messages.Attachment });
  const stack = error.stack!;
  send({ testStepFinished: { testCaseStartedId: 'tcs', testStepId: 'ts0', testStepResult: { status: 'FAILED', message: stack, exception: { type: error.constructor.name, message: error.message, stackTrace: stack } } } as unknown as messages.TestStepFinished });
  send({ testCaseFinished: { testCaseStartedId: 'tcs' } as messages.TestCaseFinished });
  return { c, out: lines.join('\n') };
}

test('the run collects the code of a kit error from a step or an attachment; a backend failure is no kit error', () => {
  const gap = failOneStep(new KitError('Store called GET /api/x: not implemented', 'DOUBLE_GAP'));
  assert.deepEqual(gap.c.kitError, { message: 'Store called GET /api/x: not implemented', code: 'DOUBLE_GAP' });
  assert.ok(!/\n\s+at /.test(gap.out), `a coded kit error is its message, without the kit's stack:\n${gap.out}`);
  const config = failOneStep(new ConfigError('store.login.fields.loginId: answered 400'), { message: 'store.login.fields.loginId: answered 400', code: 'CONFIG_INVALID' });
  assert.deepEqual(config.c.kitError, { message: 'store.login.fields.loginId: answered 400', code: 'CONFIG_INVALID' });
  const defect = failOneStep(new TypeError("Cannot read properties of undefined (reading 'x')"));
  assert.equal(defect.c.kitError?.code, 'INTERNAL');
  assert.match(defect.out, /\n\s+at /, 'a defect keeps its stack');
  for (const backend of [new BackendExitedError(deadApp, 'during this step'), new TransportError('GET', 'http://x/', 'TIMEOUT', ''), new Error('the store set no cookie at login')]) {
    const r = failOneStep(backend);
    assert.equal(r.c.kitError, undefined, backend.name);
    assert.match(r.out, new RegExp(backend.message.split('\n')[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), backend.name);
  }
});

// ---- every error the kit means to throw has a code ----

const ROOT = path.join(__dirname, '..', '..');
function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? sources(p) : d.name.endsWith('.ts') ? [p] : [];
  });
}

/**
 * Where a plain `throw new Error(` is right, outside the workflows' step code, and why.
 * Matched on the text after it (files move; messages do not).
 */
const PLAIN_ERRORS_ALLOWED: [RegExp, string][] = [
  [/^'not an object'\)/, 'the double parses a request body: caught right there, it answers 400 [invalidJSON] as FusionAuth does'],
  [/^\s*$/, 'a multi-line throw, judged by the line after it (below)'],
  [/^`form has no submit button named/, 'the backend\'s page lacks what the step submits: STEP_FAILED (exit 1)'],
  [/^`cookie refused for /, 'the backend set a cookie a browser refuses: STEP_FAILED (exit 1)'],
  [/^`\$\{this\.name\}: "\$\{url\}" is not an absolute URL`/, 'the backend redirected to something that is no URL: STEP_FAILED (exit 1)'],
  [/^`no password field/, 'the backend\'s login page has no password field: STEP_FAILED (exit 1)'],
  [/^`no login-id field/, 'the backend\'s login form has no login-id field: STEP_FAILED (exit 1)'],
];
const MULTI_LINE_ALLOWED: [RegExp, string][] = [
  [/^\s*`form \$\{form\.id/, 'the backend\'s form has no such field: STEP_FAILED (exit 1)'],
];

/** The rules, on (path relative to the repository, text) pairs: one problem per line that breaks one. */
function uncodedErrors(files: { rel: string; text: string }[]): string[] {
  const problems: string[] = [];
  for (const { rel, text } of files) {
    const lines = text.split('\n');
    lines.forEach((line, i) => {
      if (/\bextends Error\b/.test(line) && rel !== 'harness/errors.ts') problems.push(`${rel}:${i + 1}: an error class that does not extend LoginflowError (harness/errors.ts): give it a code`);
      const at = line.indexOf('throw new Error(');
      if (at < 0) return;
      // The workflows' step code (harness/workflow/**, steps/**): a plain Error there says the
      // backend did not do what the step needs, which is the backend's failure (STEP_FAILED,
      // exit 1). Not every one can be told apart by its text: the identity flow's "kit
      // defect: the FusionAuth double answered 401" also fires when the backend calls
      // FusionAuth with a wrong API key (test/workflows/json-login.test.ts: exit 1), so this
      // area is trusted as a whole, and the kit's own errors there carry a code by review.
      if (/^(harness\/workflow|steps)\//.test(rel)) return;
      const rest = line.slice(at + 'throw new Error('.length);
      const allowed = PLAIN_ERRORS_ALLOWED.find(([re]) => re.test(rest));
      if (!allowed) problems.push(`${rel}:${i + 1}: throw new Error(${rest.slice(0, 60)}…: a kit error without a code; throw a LoginflowError (KitError with a code, ConfigError...) or, if the backend failed here, list it in PLAIN_ERRORS_ALLOWED with why`);
      else if (/^\s*$/.test(rest) && !MULTI_LINE_ALLOWED.some(([re]) => re.test(lines[i + 1] ?? ''))) problems.push(`${rel}:${i + 1}: a multi-line throw new Error( not in MULTI_LINE_ALLOWED: ${(lines[i + 1] ?? '').trim().slice(0, 60)}`);
    });
  }
  return problems;
}

test('no kit error escapes without a code: every error class extends LoginflowError, and plain Errors are only where the backend failed a step', () => {
  const files = [...sources(path.join(ROOT, 'harness')), ...sources(path.join(ROOT, 'steps'))];
  assert.ok(files.length > 50, 'the scan reads the kit');
  assert.deepEqual(uncodedErrors(files.map((f) => ({ rel: path.relative(ROOT, f).split(path.sep).join('/'), text: fs.readFileSync(f, 'utf8') }))), []);
});

test('the scan bites: a class extending Error, an unlisted plain Error and an unlisted multi-line one are found; step code may throw plain Errors', () => {
  const found = uncodedErrors([
    { rel: 'harness/fusionauth/x.ts', text: "export class Oops extends Error {}\nthrow new Error('the double broke');\nthrow new Error(\n  `something else`);\nthrow new Error(`cookie refused for ${u}: ${why}`);" },
    { rel: 'harness/workflow/x.ts', text: "throw new Error('kit defect: the double answered 500');\nthrow new Error('the store set no cookie at login');" },
    { rel: 'harness/errors.ts', text: 'export class LoginflowError extends Error {' },
  ]);
  assert.deepEqual(found.map((p) => p.split(': ')[0]), ['harness/fusionauth/x.ts:1', 'harness/fusionauth/x.ts:2', 'harness/fusionauth/x.ts:3']);
});
