import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopAll } from '../backend/launcher';
import { chromiumAvailable } from '../browser/chromium';
import { CATALOGUE_FILE, type Catalogue, catalogueOf, loadCatalogue, markdownTable, withTables } from '../checks/catalogue';
import type { Verdict } from '../checks/check';
import { projectRoot } from '../common/project-root';
import { findWorkflow, referenceConfig, workflowsWithReference } from '../workflow/registry';
import { EnvironmentPool } from '../workflow/pool';
import { exitCodeFor, KitError, LoginflowError } from '../errors';
import { command, parseCommand } from './command-line';

/**
 * `loginflow checks [--workflow W] [--json]`: every check id of every workflow, with its
 * level, diagram steps and what it ensures (harness/checks/check-catalogue.json, the tables
 * docs/checks.md shows). `--update` re-records the catalogue from the reference backends and
 * rewrites those tables (`npm run checks:update`, after adding or merging checks).
 */
export const CHECKS = command({
  name: 'checks',
  about: 'Lists every check id of every workflow with its level, diagram steps and what it ensures\n(harness/checks/check-catalogue.json). Exit 0, or 2 for an unknown workflow.',
  options: {
    workflow: { type: 'string', short: 'w', value: 'W', help: 'only this workflow\'s checks' },
    json: { type: 'boolean', help: 'print the catalogue as JSON' },
    update: { type: 'boolean', help: 're-record the catalogue from the reference backends and rewrite its tables (in the repository; needs Chromium)' },
  },
});

export async function main(argv: string[]): Promise<number> {
  const values = parseCommand(CHECKS, argv);
  if (!values) return 0;
  if (values.update) return update();
  const catalogue = loadCatalogue();
  const workflows = values.workflow ? [values.workflow] : Object.keys(catalogue);
  const unknown = workflows.filter((w) => !catalogue[w]);
  if (unknown.length) throw new LoginflowError('INPUT_INVALID', `unknown workflow "${unknown[0]}" (known: ${Object.keys(catalogue).join(', ')})`);
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
  const { runMatrix, runWorkflow } = require('../runner') as typeof import('../runner');
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

/** The generated page of check tables: in docs/, so the README stays short and links to it. */
export const CHECKS_PAGE = path.join('docs', 'checks.md');

async function update(): Promise<number> {
  const root = projectRoot();
  if (root.split(path.sep).includes('node_modules')) {
    console.error(`loginflow checks --update: error [INPUT_INVALID] rewrites the kit's own catalogue and ${CHECKS_PAGE}; run it in the loginflow repository, not in an installed copy`);
    return exitCodeFor('INPUT_INVALID');
  }
  if (!chromiumAvailable()) {
    console.error('loginflow checks --update: error [BROWSER_MISSING] needs Chromium to record the SPA\'s browser-mode checks (apt-get install chromium, or LOGINFLOW_CHROMIUM)');
    return exitCodeFor('BROWSER_MISSING');
  }
  const catalogue = await recordCatalogue();
  // The source copy under the repository's harness/, not CATALOGUE_FILE: the command may run from
  // the compiled copy (node_modules/.cache/loginflow/dist/harness/checks/), which is rebuilt from it.
  const catalogueFile = path.join(root, 'harness', 'checks', path.basename(CATALOGUE_FILE));
  fs.writeFileSync(catalogueFile, `${JSON.stringify(catalogue, null, 2)}\n`);
  // The page's hand-written intro is kept; only the tables between their markers are rewritten
  // (a new workflow's table is appended as its own section).
  const page = path.join(root, CHECKS_PAGE);
  const before = fs.existsSync(page) ? fs.readFileSync(page, 'utf8') : '# Every check\n';
  fs.writeFileSync(page, withTables(before, catalogue));
  for (const [w, e] of Object.entries(catalogue)) console.log(`${w}: ${e.length} checks`);
  console.log(`wrote ${path.relative(process.cwd(), catalogueFile)} and the check tables in ${CHECKS_PAGE}`);
  return 0;
}
