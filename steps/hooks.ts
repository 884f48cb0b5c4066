import { After, AfterAll, Before, BeforeStep, Status } from '@cucumber/cucumber';
import { ScenarioFailed } from '../harness/checks';
import { stepRefs } from '../harness/spec/feature';
import { EnvironmentError, environmentFor, KIT_ERROR_MEDIA_TYPE, scenarioFor, shutdown, TRACE_MEDIA_TYPE, VERDICT_MEDIA_TYPE } from '../harness/workflow/session';
import type { LoginflowWorld } from './world';

Before(async function (this: LoginflowWorld, { pickle, gherkinDocument }) {
  if (this.parameters.browser === 'chromium') require('../harness/workflow/chromium-spa');
  let env;
  try {
    env = await environmentFor(this.parameters);
  } catch (err) {
    if (err instanceof EnvironmentError) this.attach(JSON.stringify({ message: err.message }), KIT_ERROR_MEDIA_TYPE);
    throw err;
  }
  this.scenario = scenarioFor(env, gherkinDocument, pickle, (v) => this.attach(JSON.stringify(v), VERDICT_MEDIA_TYPE), this.parameters.expected);
});

BeforeStep(function (this: LoginflowWorld, { pickleStep }) {
  this.scenario?.exercise(stepRefs(pickleStep.text), undefined, pickleStep.text);
});

After(async function (this: LoginflowWorld, { result }) {
  if (!this.scenario) return;
  await this.closeSpa();
  this.scenario.verifier.gherkinStep = undefined; // what the sweep finds belongs to no one step
  // Every exchange gets a verdict: what no Gherkin step judged (a refresh the backend did
  // not need, a FusionAuth call the diagram does not draw) is judged here, on the whole journal.
  await this.scenario.sweep();
  const redact = this.scenario.env.double.redactor;
  const trace = this.scenario.journal.all().map((e) => redact.exchange(e));
  const failed = this.scenario.verifier.unexcusedFailures();
  this.attach(JSON.stringify({ workflow: this.scenario.workflow, failed: result?.status === Status.FAILED || failed.length > 0, exchanges: trace, waits: this.scenario.waits }), TRACE_MEDIA_TYPE);
  this.scenario.env.resetDouble();
  // A failed MUST did not stop the scenario (so the steps after it still ran); it fails here,
  // described in full, also when a later step threw (that error may only be its consequence).
  if (failed.length) throw new ScenarioFailed(failed, result?.status === Status.FAILED);
});

AfterAll(async function () {
  // `loginflow run` keeps the backends up across its cucumber runs (variants that only
  // change the double's options need no restart) and stops them itself; a plain
  // cucumber-js run stops them here.
  if (!process.env.LOGINFLOW_KEEP_ENVIRONMENT) await shutdown();
});
