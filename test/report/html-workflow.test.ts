import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, type HTMLElement } from 'node-html-parser';
import { writeRunReports, writeWorkflowReports, type WorkflowResult } from '../../harness/report/write';
import { loginAndCart, SPEC, verdict } from './fixtures';

/**
 * The HTML report as an index plus a page per workflow (harness/report/html.ts, html-workflow.ts):
 * the index counts N/A in columns of their own and lists the warnings behind CONFORMS WITH
 * WARNINGS; a workflow's page has the verdicts in step order, checks repeated across scenarios
 * folded into one row with the count, and a scenario that passed with a SHOULD failure marked.
 */
const URL_CHECK = (actual: string) => verdict({ id: 'T-1.password-not-in-url', level: 'MUST', result: 'pass', steps: [1], actual });

let written: { reports: string; index: HTMLElement; page: HTMLElement } | undefined;
/** The report of one run, written once for every test of this file (and removed when they end). */
function run(): { reports: string; index: HTMLElement; page: HTMLElement } {
  if (written) return written;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-pages-'));
  process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'diagrams'));
  fs.writeFileSync(path.join(root, 'diagrams', 't.puml'), SPEC);
  const { exchanges, verdicts } = loginAndCart();
  const passing = verdicts.filter((v) => v.result !== 'fail' || v.level === 'SHOULD'); // T-4.cookie-secure (SHOULD) fails; no MUST does
  const r: WorkflowResult = {
    workflow: 't',
    configFile: path.join(root, 'loginflow.json'),
    apps: ['store', 'forums'],
    exitCode: 0,
    undefinedSteps: [],
    scenarios: [
      { workflow: 't', name: 'Log in and load the cart', status: 'PASSED', exchanges, verdicts: [...passing, URL_CHECK('none in the 4 exchange(s) of the scenario')], errors: [] },
      { workflow: 't', name: 'Log in again', status: 'PASSED', exchanges: exchanges.slice(0, 2), verdicts: [URL_CHECK('none in the 2 exchange(s) of the scenario')], errors: [] },
      { workflow: 't', name: 'Log in and load the cart, again', status: 'PASSED', exchanges, verdicts: [URL_CHECK('none in the 4 exchange(s) of the scenario')], errors: [] },
      { workflow: 't', name: 'Log in to the forums', status: 'SKIPPED', exchanges: [], verdicts: [verdict({ id: 'T-5.second-app', level: 'MUST', result: 'na', steps: [5], reason: 'the forums are not reachable here' })], errors: [] },
    ],
  };
  const reports = path.join(root, 'reports');
  writeWorkflowReports(r, reports, { root });
  writeRunReports([r], reports, { root, env: { PATH: '/nonexistent' } });
  const read = (f: string) => parse(fs.readFileSync(path.join(reports, f), 'utf8'));
  return (written = { reports, index: read('index.html'), page: read('t.html') });
}

test('the index counts scenarios and checks that were not applicable in columns of their own, never as passed or held', () => {
  const { index } = run();
  const heads = index.querySelectorAll('#overview-table tr')[1].querySelectorAll('th').map((th) => th.text);
  assert.deepEqual(heads, ['passed', 'failed', 'N/A', 'MUST held', 'SHOULD held', 'N/A', 'INFO']);
  const cells = index.querySelector('#row--t')!.querySelectorAll('td').map((td) => td.text);
  // 3 scenarios passed, 1 N/A (not "3/4 passed"); MUST: 2 + 3 URL checks held of 5 judged, the N/A one apart.
  assert.deepEqual(cells, ['t', 'CONFORMS WITH WARNINGS', '3', '0', '1', '5/5', '0/1', '1', '1']);
});

test('CONFORMS WITH WARNINGS lists the SHOULD failures under it, linking to the check on the workflow page', () => {
  const { index, page } = run();
  for (const doc of [index, page]) {
    const list = doc.querySelector('#warnings--t')!;
    assert.match(list.text, /t: CONFORMS WITH WARNINGS, SHOULD checks failed:/);
    assert.match(list.text, /T-4\.cookie-secure SHOULD failed: app_jwt is not Secure/);
  }
  assert.equal(index.querySelector('#warnings--t a')!.getAttribute('href'), 't.html#check--t--T-4-cookie-secure');
  assert.ok(page.getElementById('check--t--T-4-cookie-secure'), 'the link lands on the check');
  assert.equal(page.querySelector('h1 .badge')!.text, 'CONFORMS WITH WARNINGS');
  assert.equal(index.querySelector('h1 .badge')!.text, 'CONFORMS WITH WARNINGS');
});

test("a workflow's verdicts are in step order, a check repeated across scenarios one row with its count", () => {
  const { page } = run();
  const rows = page.querySelectorAll('table.verdicts tr').slice(1);
  assert.deepEqual(
    rows.map((tr) => [tr.querySelector('td')!.text, tr.querySelector('code')!.text]),
    [
      ['1', 'T-1.password-not-in-url'],
      ['2, 3', 'T-2.login-called'],
      ['4', 'T-4.cookie-httponly'],
      ['4', 'T-4.cookie-secure'],
      ['5', 'T-5.attack-page'],
      ['5', 'T-5.second-app'],
    ],
  );
  const folded = rows[0].querySelectorAll('td');
  assert.equal(folded[6].querySelector('.count')!.text, '×3');
  assert.deepEqual(folded[6].querySelectorAll('a').map((a) => [a.text, a.getAttribute('href')]), [['S1', '#s--t--0'], ['S2', '#s--t--1'], ['S3', '#s--t--2']]);
  // The observations differ only by count; each is kept, with its scenarios.
  assert.deepEqual(folded[4].querySelectorAll('details li').map((li) => li.text), ['S1, S3: none in the 4 exchange(s) of the scenario', 'S2: none in the 2 exchange(s) of the scenario']);
  const na = rows[5].querySelectorAll('td');
  assert.equal(na[3].text, 'N/A');
  assert.match(na[4].text, /not applicable: the forums are not reachable here/);
});

test('a scenario that passed with a SHOULD failure is marked "!", and its diagram is open; a clean one is one click away', () => {
  const { page } = run();
  assert.equal(page.querySelector('#s--t--0 h3 .badge')!.text, 'PASSED ! (SHOULD failed)');
  assert.match(page.querySelector('#s--t--0 h3 .badge')!.classNames, /warn/);
  assert.equal(page.querySelector('#s--t--0 details.scenario-diagram')!.getAttribute('open'), '');
  assert.equal(page.querySelector('#s--t--1 h3 .badge')!.text, 'PASSED');
  assert.equal(page.querySelector('#s--t--1 details.scenario-diagram')!.getAttribute('open'), undefined);
  assert.equal(page.querySelector('#s--t--3 h3 .badge')!.text, 'N/A');
});
