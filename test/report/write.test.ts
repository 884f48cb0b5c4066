import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'node-html-parser';
import { chooseRenderer, renderAll, serverUrl } from '../../harness/report/render';
import { scenarioFiles, STITCHED, type WorkflowResult, writeRunReports, writeWorkflowReports } from '../../harness/report/write';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const encoder: { decode(s: string): string } = require('plantuml-encoder');
import { JWT, loginAndCart, PASSWORD, SPEC } from './fixtures';

/** A project root with one workflow `t` (the fixture spec and a feature). */
function project(): { root: string; reports: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-report-'));
  fs.mkdirSync(path.join(root, 'diagrams'));
  fs.mkdirSync(path.join(root, 'features'));
  fs.writeFileSync(path.join(root, 'diagrams', 't.puml'), SPEC);
  fs.writeFileSync(path.join(root, 'diagrams', 'other.puml'), SPEC.replace('@startuml t', '@startuml other'));
  fs.writeFileSync(path.join(root, 'features', 't.feature'), 'Feature: t\n  Scenario: Log in and load the cart <script>\n    When the browser logs in (steps 1-4)\n');
  return { root, reports: path.join(root, 'reports') };
}

/** A fake `plantuml` on a PATH of its own: writes an SVG per .puml and counts its starts. */
function fakePlantuml(body = ''): { env: NodeJS.ProcessEnv; starts: () => number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-plantuml-'));
  const log = path.join(dir, 'starts.log');
  fs.writeFileSync(
    path.join(dir, 'plantuml'),
    `#!/bin/sh\necho start >> "${log}"\n${body}\nfor f in "$@"; do case "$f" in *.puml) printf '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10px" height="10px" onload="alert(1)"><script>alert(1)</script><text>fake %s</text></svg>' "$(basename "$f")" > "\${f%.puml}.svg";; esac; done\n`,
    { mode: 0o755 },
  );
  return { env: { PATH: `${dir}:/usr/bin:/bin` }, starts: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').length : 0) };
}

function result(): WorkflowResult {
  const { exchanges, verdicts } = loginAndCart();
  return {
    workflow: 't',
    configFile: '/somewhere/loginflow.json',
    exitCode: 1,
    undefinedSteps: [],
    scenarios: [
      { workflow: 't', name: 'Log in and load the cart <script>', status: 'FAILED', exchanges, verdicts: verdicts.map((v) => ({ ...v, scenario: 'Log in and load the cart <script>' })), errors: [`expected the cart, got 401 (app_jwt=${JWT})`] },
      { workflow: 't', name: 'Log in', status: 'PASSED', exchanges: exchanges.filter((e) => e.steps.includes(1)), verdicts: verdicts.filter((v) => v.id === 'T-2.login-called'), errors: [] },
    ],
  };
}

test('the renderer is chosen from PATH / PLANTUML_JAR, then a configured server, else the source', () => {
  const fake = fakePlantuml();
  assert.equal(chooseRenderer({ env: fake.env }).mode, 'local');
  assert.deepEqual(chooseRenderer({ env: fake.env }).command, [path.join(fake.env.PATH!.split(':')[0], 'plantuml')]);
  const none = { PATH: '/nonexistent' };
  assert.equal(chooseRenderer({ env: none }).mode, 'source');
  assert.match(chooseRenderer({ env: none }).reason, /--plantuml-server/);
  const server = chooseRenderer({ env: { ...none, LOGINFLOW_PLANTUML_SERVER: 'http://puml.invalid/plantuml/' } });
  assert.deepEqual([server.mode, server.server], ['server', 'http://puml.invalid/plantuml']);
  assert.equal(chooseRenderer({ env: none, server: 'http://cli.invalid' }).server, 'http://cli.invalid', '--plantuml-server');
  assert.equal(chooseRenderer({ env: fake.env, noRender: true }).mode, 'source', '--no-render');
  assert.equal(chooseRenderer({ env: { ...fake.env, LOGINFLOW_NO_RENDER: '1' }, server: 'http://s.invalid' }).mode, 'server');
  assert.match(chooseRenderer({ env: { ...none, PLANTUML_JAR: '/no/such.jar' } }).reason, /PLANTUML_JAR=\/no\/such\.jar is set but the file does not exist/);
});

test('every diagram of a run is rendered by one PlantUML start; a hung PlantUML is bounded by the timeout', () => {
  const fake = fakePlantuml();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'render-'));
  const files = ['a', 'b', 'c', 'd', 'e'].map((n) => path.join(dir, n === 'e' ? 'sub' : '', `${n}.puml`));
  for (const f of files) fs.mkdirSync(path.dirname(f), { recursive: true }), fs.writeFileSync(f, '@startuml\nA -> B\n@enduml\n');
  const r = renderAll(chooseRenderer({ env: fake.env }), files, { env: fake.env });
  assert.equal(fake.starts(), 1);
  assert.deepEqual([r.mode, r.diagrams, r.rendered, r.jvmStarts, r.error], ['local', 5, 5, 1, undefined]);
  for (const f of files) assert.ok(fs.existsSync(f.replace(/\.puml$/, '.svg')), `${f} rendered next to its source`);
  const hung = fakePlantuml('sleep 30');
  const t0 = Date.now();
  const h = renderAll(chooseRenderer({ env: hung.env }), files, { env: hung.env, timeoutMs: 300 });
  assert.ok(Date.now() - t0 < 10_000);
  assert.match(h.error ?? '', /timed out after 300 ms/);
  assert.equal(h.rendered, 0, 'no stale SVG survives a failed render');
});

test('server links carry the diagram encoded for the configured server, and nothing is fetched', () => {
  const puml = '@startuml\nBrowser -> Store : GET /\n@enduml\n';
  const url = serverUrl('http://puml.invalid/plantuml/', puml);
  assert.match(url, /^http:\/\/puml\.invalid\/plantuml\/svg\/[A-Za-z0-9_-]+$/);
  assert.equal(encoder.decode(url.split('/svg/')[1]), puml);
});

test('index.html and a page per workflow: spec, stitched and scenario diagrams, verdict table, feature text, links, all escaped (source mode)', () => {
  const { root, reports } = project();
  const r = result();
  writeWorkflowReports(r, reports, { root });
  const rendering = writeRunReports([r], reports, { root, env: { PATH: '/nonexistent' } });
  assert.equal(rendering.mode, 'source');
  for (const f of [STITCHED, ...scenarioFiles(r)]) assert.ok(fs.existsSync(path.join(reports, 't', f)), f);
  const index = parse(fs.readFileSync(path.join(reports, 'index.html'), 'utf8'));
  assert.deepEqual(index.querySelectorAll('#overview-table a').map((a) => a.getAttribute('href')), ['t.html', 'other.html'], 'the index links each workflow to its own page');
  assert.equal(index.querySelectorAll('figure.diagram').length, 0, 'the index holds no diagram: it is the run at a glance');
  const html = fs.readFileSync(path.join(reports, 't.html'), 'utf8');
  assert.ok(!html.includes('<script'), 'names are escaped, nothing executable');
  assert.ok(html.includes('Log in and load the cart &lt;script&gt;'));
  const doc = parse(html);
  assert.ok(doc.querySelector('#spec--t pre.puml'), 'spec diagram as source');
  assert.ok(doc.querySelector('#observed--t pre.puml'), 'stitched observed diagram as source');
  assert.ok(doc.querySelector('#s--t--0 figure.diagram'), 'scenario diagram');
  assert.ok(doc.querySelector('a[href="index.html"]'), 'back to the index');
  assert.ok(parse(fs.readFileSync(path.join(reports, 'other.html'), 'utf8')).querySelector('#spec--other'), 'a workflow that did not run still has a page with its spec');
  const rows = doc.querySelectorAll('table.verdicts tr').slice(1);
  // Six verdicts, of which T-2.login-called passed alike in both scenarios: one row with ×2.
  assert.equal(rows.length, 5);
  const failed = rows.find((tr) => tr.text.includes('T-8.page-shown'))!;
  const cells = failed.querySelectorAll('td');
  assert.deepEqual([cells[0].text, cells[1].querySelector('code')!.text, cells[2].text, cells[3].text], ['8', 'T-8.page-shown', 'MUST', 'FAIL']);
  assert.match(cells[4].text, /expected: the cart answers 200.*actual: 401/s);
  assert.match(failed.querySelector('td.result')!.classNames, /fail/);
  const evidence = failed.querySelector('a[href^="#e--t--0--"]')!;
  assert.ok(doc.getElementById(evidence.getAttribute('href')!.slice(1)), 'evidence links to the exchange row');
  assert.ok(rows.some((tr) => tr.text.includes('WORKED')), 'INFO outcome in words');
  assert.ok(doc.querySelector('#feature--t + details pre.feature'), 'feature text');
  assert.ok(html.includes('href="#s--t--0">S1</a>'), 'feature scenario links to its observed diagram');
  for (const file of walk(reports)) {
    const text = fs.readFileSync(file, 'utf8');
    assert.ok(!text.includes(JWT), `full JWT in ${file}`);
    assert.ok(!text.includes(PASSWORD), `password in ${file}`);
  }
});

test("a workflow's page inlines locally rendered SVG (sanitised, as wide as the page up to its drawn width) and links a configured server otherwise", () => {
  const { root, reports } = project();
  const fake = fakePlantuml();
  const r = result();
  writeWorkflowReports(r, reports, { root });
  const local = writeRunReports([r], reports, { root, env: fake.env });
  assert.deepEqual([local.mode, local.jvmStarts, local.rendered, local.diagrams], ['local', 1, 5, 5], 'spec ×2, stitched, two scenarios');
  assert.equal(fake.starts(), 1);
  const pages = ['t.html', 'other.html'].map((f) => fs.readFileSync(path.join(reports, f), 'utf8'));
  const [doc, other] = pages.map((h) => parse(h));
  assert.equal(doc.querySelectorAll('figure.diagram svg').length, 4, "t's spec, stitched and two scenarios");
  assert.equal(other.querySelectorAll('figure.diagram svg').length, 1, "other's spec");
  for (const h of pages) assert.ok(!/<script|onload=/i.test(h), 'SVG is sanitised');
  const stitched = doc.querySelector('#observed--t svg.fit')!;
  assert.equal(stitched.getAttribute('style'), '--natural-width:10px', 'scales to the page, never past the width it was drawn at');
  assert.equal(stitched.getAttribute('width'), undefined);
  assert.ok(doc.querySelector('#observed--t input.zoom[type="checkbox"] + label'), 'an "actual size" switch, without script');
  assert.equal(doc.querySelector('#observed--t a[target="_blank"]')!.getAttribute('href'), 't/_stitched.svg', 'the SVG opens on its own, to zoom');
  const summary = JSON.parse(fs.readFileSync(path.join(reports, 'summary.json'), 'utf8'));
  assert.equal(summary.rendering.mode, 'local');
  assert.equal(summary.rendering.jvmStarts, 1);

  const viaServer = writeRunReports([r], reports, { root, env: { PATH: '/nonexistent' }, server: 'http://puml.invalid' });
  assert.equal(viaServer.mode, 'server');
  const imgs = parse(fs.readFileSync(path.join(reports, 't.html'), 'utf8')).querySelectorAll('figure.diagram img');
  assert.equal(imgs.length, 4);
  for (const img of imgs) assert.match(img.getAttribute('src')!, /^http:\/\/puml\.invalid\/svg\//);
});

test('junit.xml: a testsuite per workflow, a testcase per scenario, failures carry the failed MUST checks', () => {
  const { root, reports } = project();
  const r = result();
  const broken: WorkflowResult = { workflow: 'other', configFile: 'x.json', exitCode: 2, undefinedSteps: ['the moon is made of cheese'], scenarios: [], kitError: 'backend never started' };
  writeWorkflowReports(r, reports, { root });
  writeRunReports([r, broken], reports, { root, env: { PATH: '/nonexistent' } });
  const xml = fs.readFileSync(path.join(reports, 'junit.xml'), 'utf8');
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="loginflow" tests="3" failures="1" errors="1">/);
  const doc = parse(xml);
  const suites = doc.querySelectorAll('testsuite');
  assert.deepEqual(suites.map((s) => [s.getAttribute('name'), s.getAttribute('tests'), s.getAttribute('failures'), s.getAttribute('errors')]), [['t', '2', '1', '0'], ['other', '1', '0', '1']]);
  const cases = suites[0].querySelectorAll('testcase');
  assert.deepEqual(cases.map((c) => c.getAttribute('name')), ['Log in and load the cart <script>', 'Log in'], 'attributes decode back to the names');
  assert.ok(xml.includes('name="Log in and load the cart &lt;script&gt;"') && !xml.includes('<script'), 'names are escaped');
  const failure = cases[0].querySelector('failure')!;
  assert.equal(failure.getAttribute('type'), 'MUST');
  assert.equal(failure.getAttribute('message'), 'T-8.page-shown');
  assert.match(failure.text, /expected: the cart answers 200/);
  assert.match(cases[0].querySelector('system-out')!.text, /SHOULD T-4\.cookie-secure/);
  assert.match(cases[0].querySelector('system-out')!.text, /INFO T-5\.attack-page WORKED/);
  assert.ok(cases[0].querySelector('property[name="SHOULD T-4.cookie-secure"]'));
  assert.equal(cases[1].querySelector('failure'), null);
  assert.match(suites[1].querySelector('error')!.getAttribute('message')!, /kit error: backend never started/);
  assert.ok(!xml.includes(JWT) && !xml.includes(PASSWORD));
});

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}
