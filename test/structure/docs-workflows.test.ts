import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadDiagram } from '../../harness/spec/diagram';
import { WORKFLOWS, workflowIds } from '../../harness/workflow/registry';
import { readMarkdown } from './markdown';

/**
 * Words go stale where code does not (issue #31: a README describing three workflows and 37
 * diagrams, screenshots of a 3-workflow report, when the kit had five). These tests hold what
 * the README and docs/ say about the set of workflows to the registry, and the report's
 * pictures to a report of the registry's workflows.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const README = path.join(ROOT, 'README.md');
const DOCS = path.join(ROOT, 'docs');
const FIGURES = path.join(DOCS, 'report-screenshots.json');
const REGENERATE = 'npm start && node scripts/report-screenshots.js';
const texts = () => [README, ...fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).map((f) => path.join(DOCS, f))];

const NUMBERS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12 };
const NUMBER = `(\\d[\\d,]*|${Object.keys(NUMBERS).join('|')})`;
const valueOf = (n: string) => NUMBERS[n.toLowerCase()] ?? Number(n.replace(/,/g, ''));

/** Every "<number> <noun>" in the prose (code blocks and spans left out) of the README and docs/. */
function counts(noun: string): { where: string; said: number }[] {
  const out: { where: string; said: number }[] = [];
  for (const file of texts()) {
    readMarkdown(file).prose.forEach((line, i) => {
      for (const m of line.matchAll(new RegExp(`\\b${NUMBER} ${noun}\\b`, 'gi'))) out.push({ where: `${path.relative(ROOT, file)}:${i + 1}: "${m[0]}"`, said: valueOf(m[1]) });
    });
  }
  return out;
}

/** The rows of the README's "What is implemented" table: workflow id, step count, mutant count. */
function implementedTable(): { id: string; steps: number; mutants: number }[] {
  const lines = fs.readFileSync(README, 'utf8').split('\n');
  const start = lines.findIndex((l) => /^## What is implemented/.test(l));
  assert.ok(start >= 0, 'README.md has a "What is implemented" section');
  const rows: { id: string; steps: number; mutants: number }[] = [];
  for (const l of lines.slice(start + 1)) {
    if (/^#/.test(l)) break;
    const cells = l.split('|').slice(1, -1).map((c) => c.trim());
    const id = /^`([a-z0-9-]+)`/.exec(cells[0] ?? '')?.[1];
    if (id) rows.push({ id, steps: Number(cells[1]), mutants: Number(/^\d+/.exec(cells[3])?.[0]) });
  }
  return rows;
}

test('the README\'s "What is implemented" table lists exactly the registry\'s workflows, each with its diagram\'s steps and its mutants', () => {
  const rows = implementedTable();
  assert.deepEqual(rows.map((r) => r.id).sort(), workflowIds(), 'one row per workflow of harness/workflow/registry.ts');
  for (const r of rows) {
    assert.equal(r.steps, loadDiagram(r.id).arrows.length, `${r.id}: diagram steps (numbered arrows of diagrams/${r.id}.puml)`);
    const mutants = fs.readdirSync(path.join(ROOT, 'backends', r.id, 'mutants')).filter((f) => f.endsWith('.json')).length;
    assert.equal(r.mutants, mutants, `${r.id}: mutants the kit catches (backends/${r.id}/mutants/*.json)`);
  }
});

test('every count of workflows in the README and docs/ is the registry\'s', () => {
  const said = counts('workflows');
  const wrong = said.filter((c) => c.said !== WORKFLOWS.length).map((c) => c.where);
  assert.deepEqual(wrong, [], `the registry has ${WORKFLOWS.length} workflows`);
});

test(`the report's pictures and figures come from a run of the registry's workflows (else: ${REGENERATE})`, () => {
  const figures = JSON.parse(fs.readFileSync(FIGURES, 'utf8')) as { workflows: string[]; diagrams: number };
  assert.deepEqual(figures.workflows, workflowIds(), `docs/report-screenshots.json: the screenshots show another set of workflows than the registry's; run ${REGENERATE}`);
  for (const f of ['report-overview.png', 'report-spec-vs-observed.png', 'report-verdicts.png', 'observed-login.svg', 'observed-login-mutant.svg', 'observed-spa-browser-refresh.svg']) {
    assert.ok(fs.existsSync(path.join(DOCS, f)), `docs/${f}`);
  }
  // "N diagrams" / "N SVG" in the docs is the number a full npm start renders.
  const said = counts('(?:diagrams|SVG)');
  assert.ok(said.length, 'the docs say how many diagrams npm start renders');
  const wrong = said.filter((c) => c.said !== figures.diagrams).map((c) => c.where);
  assert.deepEqual(wrong, [], `npm start rendered ${figures.diagrams} diagrams (docs/report-screenshots.json)`);
});
