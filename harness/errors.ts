/**
 * Every error the kit throws on purpose is a `LoginflowError` with a stable `code`, in the
 * style of undici (`UND_ERR_*`, `class X extends UndiciError`) and jose (`JOSEError.code`):
 * messages are for people and may be reworded, codes are for scripts and CI and do not
 * change. The exit code of `loginflow` follows from the code, in one table (`ERROR_CODES`):
 * 2 when the kit, its config or its input is wrong (nothing was judged), 1 when the backend
 * under test does not conform.
 *
 * This module imports nothing from the kit, so every harness module can import it.
 *
 * A plain `Error` is still right in one place: a step of a workflow that cannot do its part
 * because the backend did not do what the step needs ("the store set no cookie at login").
 * That is the backend's failure, exit 1, and reaches the CLI as `STEP_FAILED`
 * (test/errors/errors.test.ts lists where plain Errors are allowed and why).
 */

export const ERROR_CODES = {
  // Exit 2: the kit, its config or the command line is wrong; fix that and run again.
  INPUT_INVALID: { exit: 2, meaning: 'a command-line flag or argument is wrong (unknown option, bad value, unknown workflow)' },
  CONFIG_NOT_FOUND: { exit: 2, meaning: 'the config file cannot be read (no such file, no permission), or none was given' },
  CONFIG_INVALID: { exit: 2, meaning: 'the config is not valid: JSON, a field the schema refuses, a value the backend shows to be wrong (a JSON login\'s member names)' },
  EXPECTED_FAILURES_INVALID: { exit: 2, meaning: 'the --expected-failures file cannot be read or an entry is malformed' },
  BROWSER_MISSING: { exit: 2, meaning: 'browser mode was asked for and there is no Chromium' },
  PORT_IN_USE: { exit: 2, meaning: 'a port the kit must listen on, or give a backend, is taken' },
  BACKEND_START: { exit: 2, meaning: 'a backend could not be started or reached: command not found, exited or never answered before it was ready' },
  BACKEND_STOP: { exit: 2, meaning: 'a backend\'s processes outlived SIGKILL' },
  DOUBLE_GAP: { exit: 2, meaning: 'the backend called a real FusionAuth API the FusionAuth double does not play (a gap in the kit)' },
  SPEC_INVALID: { exit: 2, meaning: 'the kit\'s spec is missing or malformed: a workflow\'s sequence diagram, a feature step\'s step numbers' },
  STEP_UNDEFINED: { exit: 2, meaning: 'a feature step has no step definition' },
  INTERNAL: { exit: 2, meaning: 'a defect in the kit (a TypeError and the like; printed with its stack trace)' },
  // Exit 1: the backend under test does not conform.
  CHECK_FAILED: { exit: 1, meaning: 'a check failed (a MUST, or a SHOULD with --fail-on-warn)' },
  STEP_FAILED: { exit: 1, meaning: 'a step could not do its part: the backend did not do what it needs (no login form, no cookie, ...)' },
  BACKEND_EXITED: { exit: 1, meaning: 'a backend exited while the kit was using it' },
  TIMEOUT: { exit: 1, meaning: 'a request to the backend got no complete answer within timeouts.requestMs' },
  REQUEST_FAILED: { exit: 1, meaning: 'a request to the backend failed: refused, reset, not HTTP' },
  REDIRECT_LOOP: { exit: 1, meaning: 'the backend\'s redirects loop or exceed the hop limit' },
  UNKNOWN_HOST: { exit: 1, meaning: 'the backend sent the browser to a host the config does not map' },
  // Exit 1 from the CI gate's own rules.
  EXPECTED_FAILURE_STALE: { exit: 1, meaning: 'an --expected-failures entry no longer fails, or matches no check of the run' },
  COVERAGE_GAP: { exit: 1, meaning: 'with --coverage: a numbered step of the diagram was exercised by no executed step' },
} as const satisfies Record<string, { exit: 1 | 2; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/** The exit code of a run that ended with `code`. */
export function exitCodeFor(code: ErrorCode): 1 | 2 {
  return ERROR_CODES[code].exit;
}

/** The exit code of a run that met all of `codes` (0 when none). */
export function worstExit(codes: readonly ErrorCode[]): 0 | 1 | 2 {
  return codes.reduce<0 | 1 | 2>((worst, c) => Math.max(worst, exitCodeFor(c)) as 0 | 1 | 2, 0);
}

export class LoginflowError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    // As Node's own coded errors (`TypeError [ERR_INVALID_ARG_TYPE]: ...`): the stack's first
    // line carries the code. V8 formats the stack on its first read, with the name of that
    // moment. Cucumber's messages keep only an error's type and stack, so this is how the
    // code of an error thrown in a step reaches the CLI (`failureCode`).
    this.name = `${new.target.name} [${code}]`;
    void this.stack;
    this.name = new.target.name;
  }
}

/** The kit could not do its job (a backend never starts, a port is taken, a defect...): the code says which. */
export class KitError extends LoginflowError {
  constructor(message: string, code: ErrorCode) {
    super(code, message);
    this.name = 'KitError';
  }
}

/** The code of anything thrown: its own, or INTERNAL (an error the kit did not mean to throw). */
export function codeOf(err: unknown): ErrorCode {
  return err instanceof LoginflowError ? err.code : 'INTERNAL';
}

/** `error [CODE] message`: how the CLI prints an error that stops it. */
export function describeError(err: unknown): string {
  return `error [${codeOf(err)}] ${err instanceof Error ? err.message : String(err)}`;
}

/** JavaScript's own errors (and a failed assertion in the kit): a defect in the kit. */
const DEFECTS = /^(TypeError|ReferenceError|RangeError|SyntaxError|AssertionError|KitError)$/;

/**
 * The code of an error thrown in a cucumber step, from what cucumber's messages keep of it:
 * its type (constructor name) and its stack text, whose first line is `Type [CODE]: ...` for
 * a LoginflowError. A check that failed is CHECK_FAILED, a JavaScript error INTERNAL, any
 * other error (a plain Error: the backend did not meet the step's precondition) STEP_FAILED.
 */
export function failureCode(type: string, text?: unknown): ErrorCode {
  const m = typeof text === 'string' ? /^(\S+) \[([A-Z_]+)\]: /.exec(text) : null;
  if (m && m[1] === type && isErrorCode(m[2])) return m[2];
  if (type === 'CheckFailure' || type === 'ScenarioFailed') return 'CHECK_FAILED';
  if (DEFECTS.test(type)) return 'INTERNAL';
  return 'STEP_FAILED';
}
