import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkAll, checkTraceability, parseDiagram, parseFeature, parseStepNumbers, stepRefs, listWorkflows } from '../../harness/spec';

const DIAGRAM = `@startuml
participant Browser
participant Store
autonumber
== One ==
Browser -> Store : GET /
Store --> Browser : (HTML)
note over Browser : not an arrow: a note
== Two ==
Browser -> Browser : self arrow
@enduml`;

test('diagram arrows are numbered as PlantUML autonumber does, self arrows included', () => {
  const d = parseDiagram(DIAGRAM, 'x.puml');
  assert.deepEqual(d.arrows.map((a) => [a.n, a.from, a.to, a.phase]), [
    [1, 'Browser', 'Store', 'One'],
    [2, 'Store', 'Browser', 'One'],
    [3, 'Browser', 'Browser', 'Two'],
  ]);
  assert.equal(d.arrows[2].self, true);
});

test('an arrow naming an undeclared participant is an error', () => {
  assert.throws(() => parseDiagram('participant A\nautonumber\nA -> B : x'), /participant "B"/);
});

test('step references are read from the end of step text', () => {
  assert.deepEqual(parseStepNumbers('5-8'), [5, 6, 7, 8]);
  assert.deepEqual(parseStepNumbers('11, 14'), [11, 14]);
  assert.deepEqual(stepRefs('the browser opens the home page (steps 1-2)'), [1, 2]);
  assert.deepEqual(stepRefs('the cart is shown (step 10)'), [10]);
  assert.deepEqual(stepRefs('the backends are running'), []);
});

test('traceability fails on an uncovered arrow and on an unknown step number', () => {
  const d = parseDiagram(DIAGRAM, 'x.puml', 'x');
  const f = parseFeature(`Feature: x
  Scenario: s
    When the browser opens the home page (steps 1-2)
    Then something impossible happens (step 9)
`, 'x.feature');
  const r = checkTraceability(d, f);
  assert.deepEqual(r.covered, [1, 2]);
  assert.deepEqual(r.problems.map((p) => p.kind).sort(), ['uncovered-arrow', 'unknown-step']);
  assert.match(r.problems.find((p) => p.kind === 'unknown-step')!.message, /names step 9/);
  assert.match(r.problems.find((p) => p.kind === 'uncovered-arrow')!.message, /step 3/);
});

test('a diagram without a feature is a problem', () => {
  const r = checkTraceability(parseDiagram(DIAGRAM, 'x.puml', 'x'), undefined);
  assert.equal(r.problems[0].kind, 'missing-feature');
});

test('the bundled diagrams are fully covered by their features, with the step counts of the spec', () => {
  const expected: Record<string, number> = { 'webapp-jwt-cookies': 35, 'webapp-sessions': 30, 'spa-localstorage-jwt': 33, 'webapp-oauth-code-sessions': 32, 'webapp-oauth-code-jwt-cookies': 37 };
  const results = checkAll();
  assert.ok(results.length >= 1);
  assert.deepEqual(results.map((r) => r.workflow), listWorkflows());
  for (const r of results) {
    assert.equal(r.arrows, expected[r.workflow], `${r.workflow} arrow count`);
    assert.deepEqual(r.problems, []);
  }
});
