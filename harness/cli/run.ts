import * as path from 'node:path';
import { type BrowserChoice, chooseBrowser } from '../browser/mode';
import { LoginflowError } from '../errors';
import { type ExpectedFailure, loadExpectedFailures } from '../gate';
import { runEnd } from '../report/console';
import { Configs, parseVariants, runWorkflows } from '../runner';
import { workflowIds, workflowsWithReference } from '../workflow/registry';
import { command, parseCommand } from './command-line';

/**
 * `loginflow run`: reads its flags into a run of the runner (harness/runner), which prints
 * each step as it finishes, a verdict table per workflow and a closing summary, and writes
 * the reports. Every flag it takes is in this table, which is also its --help.
 */
export const RUN = command({
  name: 'run',
  synopsis: ['--workflow W [--config FILE] [options]', '--config FILE [options]     (the workflow the config names)', '--all [options]             (every workflow with a bundled reference: npm start)'],
  about:
    'Runs a workflow against a backend (default: the bundled reference), prints a verdict for every\n' +
    'numbered step, writes observed PlantUML diagrams, summary.json, junit.xml and index.html under\n' +
    '--reports. Exit 0 every MUST holds, 1 a MUST failed (or the gate failed), 2 kit or config error.',
  options: {
    workflow: { type: 'string', short: 'w', value: 'W', help: `the workflow: ${workflowIds().join(', ')}` },
    all: { type: 'boolean', help: 'every workflow that has a bundled reference backend' },
    config: { type: 'string', short: 'c', value: 'FILE', help: 'the backend\'s loginflow.json (default: the bundled reference)' },
    tags: { type: 'string', short: 't', value: 'EXPR', help: 'run only the scenarios a cucumber tag expression selects' },
    reports: { type: 'string', value: 'DIR', help: 'where the reports go', default: 'reports' },
    quiet: { type: 'boolean', short: 'q', help: 'print failures and the closing summary only' },
    variant: { type: 'string', multiple: true, value: 'NAME=VALUE', help: 'run only this variant value (signing=RS256, refreshEndpoint=/oauth2/token, ...)' },
    browser: { type: 'string', value: 'MODE', help: 'http (the kit plays the browser), chromium, or auto (Chromium for the SPA when installed)' },
    'plantuml-server': { type: 'string', value: 'URL', help: 'render the diagrams with this PlantUML server' },
    'no-render': { type: 'boolean', help: 'write PlantUML source only, no SVG' },
    'fail-on-warn': { type: 'boolean', help: 'exit 1 when a SHOULD check fails too' },
    'expected-failures': { type: 'string', value: 'FILE', help: 'failures to accept for now (JSON list); a listed one that passes fails the gate' },
    coverage: { type: 'boolean', help: 'exit 1 when a numbered diagram step was exercised by no executed step' },
    jobs: { type: 'string', short: 'j', value: 'N', help: 'workflows run at once (default: all of them with --all, else 1)' },
    shards: { type: 'string', value: 'N', help: 'concurrent shards per workflow, each on its own environment (default: 1; in Chromium one per two cores)' },
    parallel: { type: 'string', value: 'N', help: 'cucumber worker processes (default: 0, in this process)' },
    format: { type: 'string', short: 'f', multiple: true, value: 'FORMAT', help: 'an extra cucumber formatter, e.g. junit:reports/cucumber.xml' },
    profile: { type: 'string', short: 'p', multiple: true, value: 'NAME', help: 'a profile of the cucumber.js in the current directory' },
  },
});

export async function main(argv: string[]): Promise<number> {
  const values = parseCommand(RUN, argv);
  if (!values) return 0;
  const refuse = (message: string, code: 'INPUT_INVALID' | 'CONFIG_INVALID' = 'INPUT_INVALID') => new LoginflowError(code, message);
  const known = workflowIds();
  const configs = new Configs();
  let workflow = values.workflow;
  // `run --config FILE` runs the workflow the config names; --workflow overrides it.
  if (!values.all && !workflow && values.config) {
    workflow = configs.get(values.config).workflow;
    if (!workflow) throw refuse(`${values.config} names no "workflow"; add one (${known.join(', ')}) or say --workflow`, 'CONFIG_INVALID');
  }
  const workflows = values.all ? workflowsWithReference() : workflow ? [workflow] : [];
  if (!workflows.length) throw refuse(`say --workflow <${known.join('|')}>, --config FILE (with its "workflow") or --all`);
  if (workflow && !known.includes(workflow)) throw refuse(`unknown workflow "${workflow}" (known: ${known.join(', ')})`);
  // The caller's ./reports (never inside the kit: it may be an installed package).
  const reports = path.resolve(values.reports ?? 'reports');
  const variant = parseVariants(values.variant ?? []);
  if (values.browser && !['http', 'chromium', 'auto'].includes(values.browser)) throw refuse(`--browser must be http, chromium or auto, not "${values.browser}"`);
  // Decided once, before any backend starts: --browser chromium without Chromium is a
  // setup error (exit 2, how to install it), auto says which mode it took and why.
  let browser: BrowserChoice | undefined;
  if (values.browser) {
    browser = chooseBrowser(values.browser as 'http' | 'chromium' | 'auto');
    if (!values.quiet || browser.requested === 'auto') console.log(`browser: ${browser.mode}: ${browser.reason}`);
  }
  const parallel = whole(values.parallel, 0, 0, '--parallel takes a whole number of worker processes');
  const expected: ExpectedFailure[] | undefined = values['expected-failures'] ? loadExpectedFailures(values['expected-failures']) : undefined;
  // With --all the workflows run at once by default: nothing waits on the wall clock any
  // more (the world clock), so they only share the CPU; --jobs 1 runs them one by one.
  const jobs = whole(values.jobs, values.all ? Math.max(1, workflows.length) : 1, 1, '--jobs takes a whole number of workflows to run at once');
  // --shards N: each workflow's scenarios as N concurrent shards (default: the runner's, by browser mode).
  const shards = values.shards === undefined ? undefined : whole(values.shards, 1, 1, '--shards takes a whole number of concurrent shards per workflow');
  const outcome = await runWorkflows(workflows, {
    configFile: values.config,
    tags: values.tags,
    reports,
    quiet: values.quiet,
    variant,
    browser,
    jobs,
    shards,
    parallel,
    formats: values.format,
    profiles: values.profile,
    expected,
    configs,
    failOnWarn: values['fail-on-warn'],
    coverage: values.coverage,
    plantumlServer: values['plantuml-server'],
    noRender: values['no-render'],
  });
  if (outcome.rendering.error) console.error(`loginflow: rendering diagrams: ${outcome.rendering.error}`);
  for (const line of runEnd(outcome, reports, !!values.quiet)) console.log(line);
  return outcome.gate.exitCode;
}

/** A flag's whole number of at least `min` (its default when not given), or INPUT_INVALID saying what it takes. */
function whole(value: string | undefined, fallback: number, min: number, what: string): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(n) || n < min) throw new LoginflowError('INPUT_INVALID', `${what}, not "${value}"`);
  return n;
}
