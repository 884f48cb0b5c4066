import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { stopAll } from '../backend/launcher';
import { chromiumAvailable } from '../browser/chromium';
import { CATALOGUE_FILE, type Catalogue, catalogueOf, loadCatalogue, markdownTable, withTables } from '../checks/catalogue';
import type { Verdict } from '../checks/check';
import { projectRoot } from '../spec/diagram';
import { findWorkflow, workflowsWithReference } from '../workflow/registry';
import { EnvironmentPool } from '../workflow/pool';
import { exitCodeFor, KitError } from '../errors';

/**
 * `loginflow checks [--workflow W] [--json]`: every check id of every workflow, with its
 * level, diagram steps and what it ensures (harness/checks/check-catalogue.json, the table the
 * README shows). `--update` re-records the catalogue from the reference backends and
 * rewrites the README's tables (`npm run checks:update`, after adding or merging checks).
 */
export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { workflow: { type: 'string', short: 'w' }, json: { type: 'boolean' }, update: { type: 'boolean' } }, strict: true }));
  } catch (err) {
    console.error(`loginflow checks: error [INPUT_INVALID] ${(err as Error).message}`);
    return exitCodeFor('INPUT_INVALID');
  }
  if (values.update) return update();
  const catalogue = loadCatalogue();
  const workflows = values.workflow ? [values.workflow] : Object.keys(catalogue);
  const unknown = workflows.filter((w) => !catalogue[w]);
  if (unknown.length) {
    console.error(`loginflow checks: error [INPUT_INVALID] unknown workflow "${unknown[0]}" (known: ${Object.keys(catalogue).join(', ')})`);
    return exitCodeFor('INPUT_INVALID');
  }
  if (values.json) {
    console.log(JSON.stringify(Object.fromEntries(workflows.map((w) => [w, catalogue[w]])), null, 2));
    return 0;
  }
  for (const w of workflows) console.log(`\n${w}: ${catalogue[w].length} checks\n\n${markdownTable(catalogue[w])}`);
  return 0;
}

/** Every verdict the reference of `workflow` produces, one run per declared variant. */
export async function referenceVerdicts(workflow: string, browser: 'http' | 'chromium', pool?: EnvironmentPool): Promise<Verdict[]> {
  // Loaded here: `loginflow checks` without --update must not pay for cucumber.
  const { referenceConfig, runMatrix, runWorkflow } = require('./run') as typeof import('./run');
  const configFile = referenceConfig(workflow);
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-checks-'));
  const verdicts: Verdict[] = [];
  // The environments of these runs: the caller's, or this call's own, stopped when it is done.
  const owner = pool ? undefined : new EnvironmentPool();
  try {
    for (const variant of runMatrix(configFile, {}, workflow)) {
      const r = await runWorkflow(workflow, { configFile, reports, quiet: true, variant, browser, pool: pool ?? owner });
      if (r.exitCode !== 0) throw new KitError(`the ${workflow} reference did not conform (${browser} mode, ${JSON.stringify(variant)}): exit ${r.exitCode}${r.kitError ? `: ${r.kitError}` : ''}`, 'INTERNAL');
      verdicts.push(...r.scenarios.flatMap((s) => s.verdicts));
    }
  } finally {
    await owner?.shutdown();
    fs.rmSync(reports, { recursive: true, force: true });
  }
  return verdicts;
}

/** The catalogue as the reference backends produce it now (Chromium mode only where installed). */
export async function recordCatalogue(workflows = workflowsWithReference(), withChromium = chromiumAvailable()): Promise<Catalogue> {
  const out: Catalogue = {};
  const pool = new EnvironmentPool();
  try {
    for (const w of workflows) {
      const runs: { mode: 'http' | 'chromium'; verdicts: Verdict[] }[] = [{ mode: 'http', verdicts: await referenceVerdicts(w, 'http', pool) }];
      // Only the workflows with a single-page app have a browser mode; elsewhere --browser changes nothing.
      if (withChromium && findWorkflow(w)?.flows.includes('spa')) runs.push({ mode: 'chromium', verdicts: await referenceVerdicts(w, 'chromium', pool) });
      out[w] = catalogueOf(runs);
    }
  } finally {
    await pool.shutdown();
    await stopAll();
  }
  return out;
}

async function update(): Promise<number> {
  const root = projectRoot();
  if (root.split(path.sep).includes('node_modules')) {
    console.error('loginflow checks --update: error [INPUT_INVALID] rewrites the kit\'s own catalogue and README; run it in the loginflow repository, not in an installed copy');
    return exitCodeFor('INPUT_INVALID');
  }
  if (!chromiumAvailable()) {
    console.error('loginflow checks --update: error [BROWSER_MISSING] needs Chromium to record the SPA\'s browser-mode checks (apt-get install chromium, or LOGINFLOW_CHROMIUM)');
    return exitCodeFor('BROWSER_MISSING');
  }
  const catalogue = await recordCatalogue();
  fs.writeFileSync(CATALOGUE_FILE.replace(/dist[\\/]/, ''), `${JSON.stringify(catalogue, null, 2)}\n`);
  const readme = path.join(root, 'README.md');
  fs.writeFileSync(readme, withTables(fs.readFileSync(readme, 'utf8'), catalogue));
  for (const [w, e] of Object.entries(catalogue)) console.log(`${w}: ${e.length} checks`);
  console.log(`wrote ${path.relative(process.cwd(), CATALOGUE_FILE)} and the check tables in README.md`);
  return 0;
}
