#!/usr/bin/env node
'use strict';
// Screenshots of reports/index.html in Debian's headless Chromium (playwright-core, no
// downloaded browser), for the README: what a reader gets after `npm start`.
//   npm start && node scripts/report-screenshots.js [reports/index.html] [docs/]
const path = require('node:path');
const fs = require('node:fs');
const { chromium } = require('playwright-core');

const root = path.join(__dirname, '..');
const report = path.resolve(process.argv[2] ?? path.join(root, 'reports', 'index.html'));
const outDir = path.resolve(process.argv[3] ?? path.join(root, 'docs'));
const executablePath = process.env.LOGINFLOW_CHROMIUM ?? '/usr/bin/chromium';

(async () => {
  if (!fs.existsSync(report)) throw new Error(`no ${report}: run npm start first`);
  const browser = await chromium.launch({ executablePath, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`file://${report}`);
    const shots = [
      // The header (exit code, how diagrams were drawn, browser mode) and the workflow overview.
      ['report-overview.png', null],
      // One workflow: the spec next to what was observed, stitched from the scenarios.
      ['report-spec-vs-observed.png', '#side--webapp-jwt-cookies'],
      // The verdict table of that workflow.
      ['report-verdicts.png', '#verdicts--webapp-jwt-cookies'],
    ];
    for (const [file, anchor] of shots) {
      if (anchor) await page.locator(anchor).scrollIntoViewIfNeeded();
      await page.evaluate((a) => (a ? document.querySelector(a).scrollIntoView() : window.scrollTo(0, 0)), anchor);
      await page.screenshot({ path: path.join(outDir, file) });
      console.log(`wrote ${path.relative(process.cwd(), path.join(outDir, file))}`);
    }
  } finally {
    await browser.close();
  }
})().catch((err) => {
  console.error(`report-screenshots: ${err.message}`);
  process.exitCode = 1;
});
