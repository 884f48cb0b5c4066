import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'node-html-parser';
import { parseDiagram } from '../../harness/spec/diagram';
import { renderObserved, renderStitched } from '../../harness/report/observed';
import { absentParticipants, declaredApps, spans } from '../../harness/report/single-app';
import { writeRunReports, writeWorkflowReports, type WorkflowResult } from '../../harness/report/write';
import { ex, verdict } from './fixtures';

/**
 * A config that declares one application (no "forums") is drawn and worded as one: no Forums
 * lane, none of the spec arrows to or from the Forums (drawn nowhere, listed as not applicable
 * rather than missing), and the workflow's page says "one application declared".
 */
const SPEC = `@startuml t
title Two apps
participant Browser
participant Store
participant Forums
participant FusionAuth
autonumber
== Login ==
Browser -> Store : POST /login
Store -> FusionAuth : POST /api/login
FusionAuth -> Store : 200
Store -> Browser : 302 Location: /cart
== Forums ==
Browser -> Forums : GET /
Forums -> Forums : Create session
Forums -> Browser : 200
@enduml
`;
const diagram = parseDiagram(SPEC, 't.puml', 't');

function storeLogin() {
  const login = ex({ seq: 1, from: 'Browser', to: 'Store', at: 100, durationMs: 30, method: 'POST', path: '/login', steps: [1, 2, 3, 4], status: 302, resHeaders: { location: '/cart' } });
  const api = ex({ seq: 2, from: 'Store', to: 'FusionAuth', at: 110, durationMs: 10, method: 'POST', path: '/api/login', steps: [1, 2, 3, 4], status: 200 });
  return [login, api];
}

const SECOND_APP = verdict({ id: 'T-5.second-app', level: 'MUST', result: 'na', steps: [5, 6, 7], reason: 'one application declared (the config has no "forums")', declaredBy: 'forums' });

test('the stitched diagram of a single-app run has no Forums lane and no Forums arrow; their steps are listed as not applicable, not missing', () => {
  const scenarios = [
    { name: 'Log in to the store', exchanges: storeLogin(), verdicts: [verdict({ id: 'T-1.login', level: 'MUST', result: 'pass', steps: [1] })] },
    { name: 'Log in to the forums after the store', exchanges: [], verdicts: [SECOND_APP], steps: [5, 6, 7] },
  ];
  const one = renderStitched({ diagram, scenarios, absent: ['Forums'] });
  assert.doesNotMatch(one, /Forums ->|-> Forums|participant Forums|== Forums ==/);
  assert.match(one, /^participant Store$/m);
  assert.match(one, /One application declared: no Forums; steps 5-7 not applicable, not drawn/);
  assert.doesNotMatch(one, /missing/);
  // The same run with both applications declared draws the lane and the arrows nobody observed.
  const two = renderStitched({ diagram, scenarios });
  assert.match(two, /^participant Forums$/m);
  assert.match(two, /Spec arrows no scenario observed \(missing\):\n {2}5\. Browser -> Forums: GET \//);
});

test("a single-app scenario's own diagram draws no Forums arrow it names but never made", () => {
  const one = renderObserved({ diagram, scenario: 'Log in to the forums after the store', exchanges: storeLogin(), verdicts: [SECOND_APP], steps: [1, 2, 3, 4, 5, 6, 7], absent: ['Forums'] });
  assert.doesNotMatch(one, /Forums/);
  assert.match(one, /^Browser -.*> Store : /m, 'the store login is drawn');
  const two = renderObserved({ diagram, scenario: 'Log in to the forums after the store', exchanges: storeLogin(), verdicts: [SECOND_APP], steps: [1, 2, 3, 4, 5, 6, 7] });
  assert.match(two, /Spec arrows exercised but not observed \(missing\):\n {2}5\. Browser -> Forums: GET \//);
});

test('the declared applications are what the runner recorded; a result that does not say draws both', () => {
  assert.deepEqual(declaredApps({ apps: ['store'] }), ['store']);
  assert.deepEqual(absentParticipants({ apps: ['store'] }), ['Forums']);
  assert.deepEqual(declaredApps({ apps: ['forums', 'store'] }), ['store', 'forums'], 'in the order of the names');
  assert.deepEqual(declaredApps({}), ['store', 'forums']);
  assert.deepEqual(absentParticipants({}), []);
});

test("a single-app run's report: no Forums lane in its observed diagrams, and its page and the index say one application", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-single-app-report-'));
  try {
    fs.mkdirSync(path.join(root, 'diagrams'));
    fs.writeFileSync(path.join(root, 'diagrams', 't.puml'), SPEC);
    const reports = path.join(root, 'reports');
    const r: WorkflowResult = {
      workflow: 't',
      configFile: path.join(root, 'loginflow.json'),
      apps: ['store'],
      exitCode: 0,
      undefinedSteps: [],
      scenarios: [
        { workflow: 't', name: 'Log in to the store', status: 'PASSED', exchanges: storeLogin(), verdicts: [verdict({ id: 'T-1.login', level: 'MUST', result: 'pass', steps: [1] })], errors: [] },
        { workflow: 't', name: 'Log in to the forums after the store', status: 'SKIPPED', exchanges: [], verdicts: [SECOND_APP], errors: [], steps: [5, 6, 7] },
      ],
    };
    writeWorkflowReports(r, reports, { root });
    writeRunReports([r], reports, { root, env: { PATH: '/nonexistent' } });
    for (const f of fs.readdirSync(path.join(reports, 't')).filter((x) => x.endsWith('.puml'))) assert.doesNotMatch(fs.readFileSync(path.join(reports, 't', f), 'utf8'), /participant Forums/, f);
    const page = parse(fs.readFileSync(path.join(reports, 't.html'), 'utf8'));
    assert.match(page.querySelector('#apps')!.text, /^one application declared \(the config has no "forums"\): the scenarios and steps about a second application are not applicable/);
    const index = parse(fs.readFileSync(path.join(reports, 'index.html'), 'utf8'));
    assert.match(index.querySelector('#row--t')!.text, /\(one application\)/);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('spans writes step runs compactly', () => {
  assert.equal(spans([16, 17, 18, 20, 27, 26, 25]), '16-18, 20, 25-27');
  assert.equal(spans([5]), '5');
  assert.equal(spans([]), '');
});
