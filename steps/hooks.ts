import { After, AfterAll, AfterStep, Before, BeforeStep, Status } from '@cucumber/cucumber';
import { ScenarioFailed } from '../harness/checks';
import { KitError } from '../harness/backend/config';
import { stepRefs } from '../harness/spec/feature';
import { CLOCK_MEDIA_TYPE, EnvironmentError, EnvironmentPool, KIT_ERROR_MEDIA_TYPE, scenarioFor, TRACE_MEDIA_TYPE, VERDICT_MEDIA_TYPE } from '../harness/workflow/pool';
import { inapplicable } from '../harness/workflow/applicability';
import type { LoginflowWorld, LoginflowParameters } from './world';

/**
 * The environments these hooks started themselves, when no run lent them its pool (a plain
 * cucumber-js run, a parallel worker process): theirs to stop, in AfterAll. The pool a
 * `loginflow run` lends is the run's to stop.
 */
let ownPool: EnvironmentPool | undefined;
function poolFor(params: LoginflowParameters): EnvironmentPool {
  return EnvironmentPool.lentAs(params.pool) ?? (ownPool ??= new EnvironmentPool());
}

Before(async function (this: LoginflowWorld, { pickle, gherkinDocument }) {
  if (this.parameters.browser === 'chromium') require('../harness/workflow/spa/chromium');
  let env;
  try {
    env = await poolFor(this.parameters).environmentFor(this.parameters);
  } catch (err) {
    if (err instanceof EnvironmentError) this.attach(JSON.stringify({ message: err.message, code: err.code }), KIT_ERROR_MEDIA_TYPE);
    throw err;
  }
  this.attach(JSON.stringify(env.clockReport), CLOCK_MEDIA_TYPE);
  this.scenario = scenarioFor(env, gherkinDocument, pickle, (v) => this.attach(JSON.stringify(v), VERDICT_MEDIA_TYPE), this.parameters.expected);
  // A scenario about an application the config does not declare: one N/A verdict, steps skipped.
  const na = inapplicable(env.config, gherkinDocument, pickle);
  if (na) {
    this.attach(JSON.stringify({ ...na, variant: Object.keys(env.variant).length ? { ...env.variant } : undefined }), VERDICT_MEDIA_TYPE);
    return 'skipped';
  }
});

BeforeStep(function (this: LoginflowWorld, { pickleStep }) {
  this.scenario?.exercise(stepRefs(pickleStep.text), undefined, pickleStep.text);
});

// A backend that called a real FusionAuth API the double does not play has met a gap in the
// kit: the step fails as a kit error (exit 2), not as the backend's fault.
AfterStep(function (this: LoginflowWorld) {
  if (!this.scenario) return;
  const gap = this.scenario.journal.all().find((e) => e.kitGap);
  if (!gap?.kitGap || this.kitGapReported) return;
  this.kitGapReported = true;
  const message = `${gap.from} called ${gap.request.method} ${gap.request.path}: ${gap.kitGap}`;
  this.attach(JSON.stringify({ message, code: 'DOUBLE_GAP' }), KIT_ERROR_MEDIA_TYPE);
  throw new KitError(message, 'DOUBLE_GAP');
});

After(async function (this: LoginflowWorld, { result }) {
  if (!this.scenario) return;
  // A config error found mid-run (a JSON login the app rejects as malformed) makes the run exit 2.
  if (this.scenario.configError) this.attach(JSON.stringify({ message: this.scenario.configError, code: 'CONFIG_INVALID' }), KIT_ERROR_MEDIA_TYPE);
  // Checks over every exchange of the scenario (no secret in a URL): their verdicts count
  // even when a step failed; a failed MUST fails the scenario after the trace is attached.
  let endFailure: unknown;
  try {
    this.finishIdentity();
  } catch (err) {
    endFailure = err;
  }
  await this.closeSpa();
  this.scenario.leaveSteps(); // what the sweep finds belongs to no one step
  // Every exchange gets a verdict: what no Gherkin step judged (a refresh the backend did
  // not need, a FusionAuth call the diagram does not draw) is judged here, on the whole journal.
  await this.scenario.sweep();
  const redact = this.scenario.env.double.redactor;
  const trace = this.scenario.journal.all().map((e) => redact.exchange(e));
  const failed = this.scenario.verifier.unexcusedFailures();
  this.attach(JSON.stringify({ workflow: this.scenario.workflow, failed: result?.status === Status.FAILED || !!endFailure || failed.length > 0, exchanges: trace, waits: this.scenario.time.waits, advances: this.scenario.time.advances }), TRACE_MEDIA_TYPE);
  this.scenario.env.resetDouble();
  if (endFailure) throw endFailure;
  // A failed MUST did not stop the scenario (so the steps after it still ran); it fails here,
  // described in full, also when a later step threw (that error may only be its consequence).
  if (failed.length) throw new ScenarioFailed(failed, result?.status === Status.FAILED);
});

AfterAll(async function () {
  // Only what these hooks started: `loginflow run` keeps its own pool up across its cucumber
  // runs (variants that only change the double's options need no restart) and stops it itself.
  const pool = ownPool;
  ownPool = undefined;
  await pool?.shutdown();
});
