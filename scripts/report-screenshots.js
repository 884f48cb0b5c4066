#!/usr/bin/env node
'use strict';
// The README's pictures of the report, remade from what `npm start` just wrote, so they show the
// workflows the kit has today and not an older report:
//   npm start && node scripts/report-screenshots.js [--no-mutant] [reports/] [docs/]
// - three screenshots of the HTML report in Debian's headless Chromium (playwright-core, no
//   downloaded browser): report-overview.png (index.html), report-spec-vs-observed.png and
//   report-verdicts.png (webapp-jwt-cookies.html, the workflow's own page);
// - the observed diagrams the docs show, copied from the run: observed-login.svg, and
//   observed-spa-browser-refresh.svg when the SPA ran in Chromium;
// - observed-login-mutant.svg, from a run of the cookies-not-httponly mutant (about 10 s;
//   --no-mutant skips it);
// - report-screenshots.json: which workflows the report showed and how many diagrams it
//   rendered, the figures test/structure/docs-workflows.test.ts holds the README and docs/ to.
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { spawnSync } = require('node:child_process');
const { chromium } = require('playwright-core');

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const withMutant = !args.includes('--no-mutant');
const [reportsArg, outArg] = args.filter((a) => !a.startsWith('--'));
const reports = path.resolve(reportsArg ?? path.join(root, 'reports'));
const outDir = path.resolve(outArg ?? path.join(root, 'docs'));
const executablePath = process.env.LOGINFLOW_CHROMIUM ?? '/usr/bin/chromium';
const wrote = (file) => console.log(`wrote ${path.relative(process.cwd(), file)}`);

/**
 * The observed diagram of one scenario, as the report drew it. A scenario run in several
 * variants has a file per variant, named after it; the first in name order (signing HS256,
 * refresh endpoint /api/jwt/refresh) is the one shown.
 */
function copyDiagram(dir, scenario, to) {
  const file = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.startsWith(scenario) && f.endsWith('.svg')).sort()[0] : undefined;
  if (!file) throw new Error(`no ${path.join(dir, scenario)}*.svg: did the run render its diagrams (Java or plantuml installed, no --no-render)?`);
  fs.copyFileSync(path.join(dir, file), path.join(outDir, to));
  wrote(path.join(outDir, to));
}

async function screenshots(reportsDir) {
  const browser = await chromium.launch({ executablePath, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const shots = [
      // The header (badge, exit code, how diagrams were drawn, browser mode) and the workflow overview.
      ['report-overview.png', 'index.html', null],
      // One workflow's page: what was observed, stitched from the scenarios, at full width.
      ['report-spec-vs-observed.png', 'webapp-jwt-cookies.html', '#observed--webapp-jwt-cookies'],
      // The verdict table of that workflow, in step order.
      ['report-verdicts.png', 'webapp-jwt-cookies.html', '#verdicts--webapp-jwt-cookies'],
    ];
    for (const [file, html, anchor] of shots) {
      await page.goto(`file://${path.join(reportsDir, html)}`);
      if (anchor) await page.locator(anchor).scrollIntoViewIfNeeded();
      await page.evaluate((a) => (a ? document.querySelector(a).scrollIntoView() : window.scrollTo(0, 0)), anchor);
      await page.screenshot({ path: path.join(outDir, file) });
      wrote(path.join(outDir, file));
    }
  } finally {
    await browser.close();
  }
}

/** The mutant's login scenario, drawn (its config declares no variants: one run). */
function mutantDiagram() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-screenshots-'));
  try {
    const run = spawnSync(
      process.execPath,
      [path.join(root, 'bin', 'loginflow.js'), 'run', '--config', path.join(root, 'backends/webapp-jwt-cookies/mutants/cookies-not-httponly.json'), '--reports', tmp, '--quiet'],
      { cwd: root, encoding: 'utf8' },
    );
    // The mutant must fail (exit 1); 0 or 2 would draw something else than the defect.
    if (run.status !== 1) throw new Error(`the cookies-not-httponly mutant run exited ${run.status}, not 1:\n${run.stdout.slice(-2000)}${run.stderr.slice(-2000)}`);
    copyDiagram(path.join(tmp, 'webapp-jwt-cookies'), 'log-in-to-the-store-and-load-the-shopping-cart', 'observed-login-mutant.svg');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

(async () => {
  const report = path.join(reports, 'index.html');
  const summaryFile = path.join(reports, 'summary.json');
  if (!fs.existsSync(report) || !fs.existsSync(summaryFile)) throw new Error(`no ${report} or summary.json: run npm start first`);
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
  // Pictures of a failing or partial run are not what a newcomer's npm start shows.
  if (summary.exitCode !== 0) throw new Error(`${summaryFile}: exit code ${summary.exitCode}; the pictures are of a run that conforms (npm start)`);
  if (summary.rendering?.mode !== 'local') throw new Error(`${summaryFile}: diagrams were not rendered locally (${summary.rendering?.reason}); install Java or plantuml`);
  await screenshots(reports);
  copyDiagram(path.join(reports, 'webapp-jwt-cookies'), 'log-in-to-the-store-and-load-the-shopping-cart', 'observed-login.svg');
  if (summary.browser?.mode === 'chromium') copyDiagram(path.join(reports, 'spa-localstorage-jwt'), 'an-expired-jwt-is-refreshed', 'observed-spa-browser-refresh.svg');
  if (withMutant) mutantDiagram();
  const figures = {
    madeBy: 'npm start && node scripts/report-screenshots.js',
    workflows: [...new Set(summary.workflows.map((w) => w.workflow))].sort(),
    diagrams: summary.rendering.rendered,
  };
  const file = path.join(outDir, 'report-screenshots.json');
  fs.writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
  wrote(file);
})().catch((err) => {
  console.error(`report-screenshots: ${err.message}`);
  process.exitCode = 1;
});
