import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Verdict } from '../checks/check';
import type { Exchange } from '../trace';
import { ONE_APP_REASON } from '../common/apps';
import { STITCHED, scenarioFiles } from './files';
import { workflowBadge } from './conformance';
import { type IndexInput, badgeHtml, esc, failureList, figure, id, page, resultClass, resultText, runLines } from './html';
import { declaredApps } from './single-app';
import { verdictRows, type VerdictRow } from './verdict-rows';
import { type ScenarioResult, type WorkflowResult, clockSummary } from '../result/model';

/**
 * `<workflow>.html`: one workflow of the run as living documentation. Its badge (with the failed
 * checks behind it), the spec diagram and the observed diagram stitched from the scenarios, each
 * at the page's full width; the verdicts in the diagram's step order, one row per check and
 * outcome with the scenarios it came out so in (verdict-rows.ts); each scenario with its
 * observed diagram (open when the scenario failed) and its exchanges; the feature text. Element
 * ids (`spec--<w>`, `observed--<w>`, `verdicts--<w>`, `s--<w>--<k>`, `e--<w>--<k>--<seq>`) are
 * what links, tests and scripts/report-screenshots.js find.
 */
export function renderWorkflowPage(x: IndexInput, w: string): string {
  const r = x.all.find((a) => a.workflow === w);
  const spec = path.join(x.dir, 'spec', `${w}.puml`);
  const header = [`<div><a href="index.html">← all workflows</a></div>`, `<h1>${esc(w)} ${r ? badgeHtml(workflowBadge(r)) : '<span class="muted">(not run in this run)</span>'}</h1>`];
  if (r) header.push(...runFacts(x, r));
  header.push(runLines(x));
  const body: string[] = [];
  if (!r) {
    body.push(`<section id="${id('wf', w)}" class="workflow"><p class="muted">No run of this workflow in this report (no bundled reference backend, or not selected).</p>`);
    body.push(`<section id="${id('spec', w)}"><h2>As specified</h2>${figure(x, spec, `${w}: as specified (diagrams/${w}.puml)`, `spec-${w}`)}</section>`);
    body.push(featureText(x, w, undefined), '</section>');
    return page(`${w}: loginflow report`, header.join('\n'), body.join('\n'));
  }
  const toc = [['side', 'spec vs observed'], ['verdicts', 'verdicts'], ['scenarios', 'scenarios'], ['feature', 'feature']];
  body.push(`<nav class="toc">${toc.map(([k, t]) => `<a href="#${id(k, w)}">${t}</a>`).join('')}</nav>`);
  body.push(failureList(w, r, true));
  body.push(`<section id="${id('wf', w)}" class="workflow">`);
  body.push(
    `<section id="${id('side', w)}"><section id="${id('spec', w)}"><h2>As specified</h2>${figure(x, spec, `${w}: as specified (diagrams/${w}.puml)`, `spec-${w}`)}</section>` +
      `<section id="${id('observed', w)}"><h2>As observed</h2>${figure(x, path.join(x.dir, w, STITCHED), `${w}: as observed, scenarios stitched in step order`, `observed-${w}`)}</section></section>`,
  );
  body.push(verdictTable(w, r));
  // Browser mode: what the real browser showed (written next to the diagrams by writeWorkflowReports).
  const shots = [...new Set(r.scenarios.flatMap((s) => (s.screenshots ?? []).map((p) => path.basename(p.fileName))))];
  for (const shot of shots) body.push(`<h3 id="${id('shot', w)}">Screenshot: ${esc(shot)}</h3><figure><img src="${esc(`${w}/${shot}`)}" alt="${esc(`${w}: ${shot}`)}" style="max-width:100%;border:1px solid #ccc"><figcaption>taken by the kit in headless Chromium</figcaption></figure>`);
  const files = scenarioFiles(r);
  body.push(`<h2 id="${id('scenarios', w)}">Scenarios</h2><ol>${r.scenarios.map((s, k) => `<li><a href="#${id('s', w, k)}">${esc(s.name)}</a> ${statusBadge(s)}</li>`).join('')}</ol>`);
  r.scenarios.forEach((s, k) => body.push(scenarioSection(x, w, s, k, path.join(x.dir, w, files[k]))));
  body.push(featureText(x, w, r), '</section>');
  return page(`${w}: loginflow report`, header.join('\n'), body.join('\n'));
}

/** The config, exit code, applications and clock of a workflow's run, as header lines. */
function runFacts(x: IndexInput, r: WorkflowResult): string[] {
  const out = [`<div>config <code>${esc(path.relative(x.root, r.configFile) || r.configFile)}</code> · exit ${r.exitCode}</div>`];
  if (declaredApps(r).length === 1)
    out.push(`<div id="apps">${esc(ONE_APP_REASON)}: the scenarios and steps about a second application are not applicable (N/A), and the diagrams draw no lane for it</div>`);
  const clock = clockSummary(r);
  if (clock)
    out.push(
      `<div class="clock">clock: <b>${clock.kind}</b> (${clock.backends.map((b) => `${esc(b.name)} ${b.clock}`).join(', ')}): ${esc(clock.reason)} · session TTL ${clock.sessionTtlSeconds} s · ` +
        `moved ${Math.round(clock.advancedMs / 1000)} s instead of waiting · deliberate waits ${clock.waitedMs} ms${clock.kind === 'world' ? " · in browser mode the page's clock follows it" : ''}</div>`,
    );
  if (r.undefinedSteps.length) out.push(`<div class="fail">undefined steps: ${r.undefinedSteps.map(esc).join('; ')}</div>`);
  return out;
}

/** A scenario's status, and "!" when it passed with a SHOULD check failed: a warning never looks like success. */
function statusBadge(s: ScenarioResult): string {
  const must = s.verdicts.some((v) => v.result === 'fail' && v.level === 'MUST');
  const should = s.verdicts.some((v) => v.result === 'fail' && v.level === 'SHOULD');
  const cls = s.status === 'PASSED' ? (should ? 'warn' : 'pass') : s.status === 'SKIPPED' ? 'na' : 'fail';
  const text = s.status === 'SKIPPED' ? 'N/A' : s.status;
  // A skipped scenario says why (its not-applicable verdict's reason).
  const why = s.status === 'SKIPPED' ? s.verdicts.find((v) => v.result === 'na') : undefined;
  return `<span class="badge ${cls}">${esc(text)}${must ? ' (MUST failed)' : should ? ' ! (SHOULD failed)' : ''}</span>${why ? ` <span class="na">${esc(why.reason ?? why.actual)}</span>` : ''}`;
}

const INLINE_SCENARIOS = 6;

function verdictTable(w: string, r: WorkflowResult): string {
  const rows = verdictRows(r.scenarios);
  const anchored = new Set<string>();
  const html = rows.map((row, n) => {
    const v = row.first;
    const cls = resultClass(v);
    // The first row of a check is where the failure lists link to.
    const anchor = anchored.has(v.id) ? '' : ` <a id="${id('check', w, v.id)}"></a>`;
    anchored.add(v.id);
    const ev = v.evidence.map((e) => `<a href="#${id('e', w, row.k, e.seq)}">#${e.seq} ${esc(e.request.method)} ${esc(e.request.path)} → ${esc(e.response?.status ?? e.error ?? '')}</a>`).join('<br>');
    return (
      `<tr id="${id('v', w, n)}" class="row-${cls}"><td class="num">${esc(v.steps.join(', '))}</td><td><code>${esc(v.id)}</code>${anchor}<br><span class="muted">${esc(v.name)}</span></td><td>${esc(v.level)}</td>` +
      `<td class="result ${cls}">${resultText(v)}</td><td><b>expected:</b> ${esc(v.expected)}<br>${observed(row)}</td>` +
      `<td>${ev ? `${row.members.length > 1 ? `<span class="muted">in S${row.k + 1}:</span><br>` : ''}${ev}` : '<span class="muted">—</span>'}</td><td>${scenarioLinks(w, row)}</td></tr>`
    );
  });
  return (
    `<h2 id="${id('verdicts', w)}">Verdicts</h2><table class="verdicts"><tr><th>step</th><th>check id</th><th>level</th><th>result</th><th>expected / actual</th><th>evidence</th><th>scenarios</th></tr>${html.join('\n')}</table>` +
    `<p class="muted">In the diagram's step order; one row per check and outcome: a check that came out the same in several scenarios (variants, or checks made in every scenario such as "nothing in a URL") is one row with the count and its scenarios. Failures are folded only when they observed the same thing.</p>`
  );
}

/** What was observed: the one observation, or each distinct one with the scenarios it was made in. */
function observed(row: VerdictRow): string {
  const v = row.first;
  const label = `<b>${v.result === 'na' ? 'not applicable' : 'actual'}:</b> `;
  const text = (x: Verdict) => (x.result === 'na' ? x.reason ?? x.actual : x.actual);
  if (!row.varied) return label + esc(text(v));
  const by = new Map<string, number[]>();
  for (const m of row.members) by.set(text(m.v), [...(by.get(text(m.v)) ?? []), m.k]);
  const items = [...by.entries()].map(([t, ks]) => `<li>${ks.map((k) => `S${k + 1}`).join(', ')}: ${esc(t)}</li>`).join('');
  return `${label}${esc(text(v))}<details><summary>${by.size} different observations</summary><ul>${items}</ul></details>`;
}

function scenarioLinks(w: string, row: VerdictRow): string {
  const ks = [...new Set(row.members.map((m) => m.k))];
  const links = ks.map((k) => `<a href="#${id('s', w, k)}">S${k + 1}</a>`).join(' ');
  if (ks.length === 1 && row.members.length === 1) return links;
  // A check made twice in one scenario (the JWT cookie and the refresh cookie) counts twice: say in how many scenarios.
  const count = `<b class="count">×${row.members.length}</b>${ks.length < row.members.length || ks.length > INLINE_SCENARIOS ? ` in ${ks.length} scenarios` : ''}`;
  return ks.length <= INLINE_SCENARIOS ? `${count} ${links}` : `<details><summary>${count}</summary>${links}</details>`;
}

function scenarioSection(x: IndexInput, w: string, s: ScenarioResult, k: number, puml: string): string {
  const out = [`<section id="${id('s', w, k)}" class="scenario"><h3>S${k + 1}. ${esc(s.name)} ${statusBadge(s)}</h3>`];
  out.push(`<p><a href="#${id('verdicts', w)}">verdicts</a> · <a href="#${id('feature', w)}">feature</a> · <a href="#${id('side', w)}">spec vs observed</a></p>`);
  const notPassing = s.verdicts.filter((v) => v.result !== 'pass');
  if (notPassing.length) out.push(`<ul>${notPassing.map((v) => `<li class="${resultClass(v)}"><code>${esc(v.id)}</code> ${esc(v.level)} ${resultText(v)}: ${esc(v.actual)}</li>`).join('')}</ul>`);
  if (s.waits?.length) out.push(`<p class="muted">deliberate waits: ${s.waits.map((wt) => `${wt.ms} ms (${esc(wt.reason)})`).join('; ')}</p>`);
  if (s.errors.length) out.push(`<details open><summary>step errors</summary><pre>${esc(s.errors.join('\n\n'))}</pre></details>`);
  // Open where something is wrong; a passing scenario's diagram is one click away.
  const wrong = s.status === 'FAILED' || s.verdicts.some((v) => v.result === 'fail');
  out.push(`<details class="scenario-diagram"${wrong ? ' open' : ''}><summary>observed diagram</summary>${figure(x, puml, `S${k + 1}: ${s.name} (observed)`, `s-${w}-${k}`)}</details>`);
  out.push(`<details><summary>${s.exchanges.length} exchanges</summary>${exchangeTable(w, k, s.exchanges)}</details></section>`);
  return out.join('\n');
}

function exchangeTable(w: string, k: number, exchanges: readonly Exchange[]): string {
  const rows = [...exchanges]
    .sort((a, b) => a.seq - b.seq)
    .map((e) => `<tr id="${id('e', w, k, e.seq)}"><td class="num">${e.seq}</td><td>${esc(e.from)} → ${esc(e.to)}</td><td>${esc(e.request.method)} ${esc(e.request.host)}${esc(e.request.path)}</td><td>${esc(e.response?.status ?? e.error ?? '')}${e.kitGap ? ' (kit gap: not played by the FusionAuth double)' : e.unexpected ? ' (unexpected)' : ''}</td><td>${esc(e.steps.join(', '))}</td><td class="num">${e.durationMs}</td></tr>`);
  return `<table><tr><th>#</th><th>from → to</th><th>request</th><th>status</th><th>spec steps</th><th>ms</th></tr>${rows.join('')}</table>`;
}

function featureText(x: IndexInput, w: string, r: WorkflowResult | undefined): string {
  const file = path.join(x.root, 'features', `${w}.feature`);
  if (!fs.existsSync(file)) return `<h2 id="${id('feature', w)}">Feature</h2><p class="muted">(no features/${esc(w)}.feature)</p>`;
  const names = r?.scenarios.map((s) => s.name) ?? [];
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).map((line) => {
    const m = /^\s*(Scenario(?: Outline)?|Example):\s*(.*)$/.exec(line);
    if (!m) return esc(line);
    // An outline's pickles are its name with the <placeholders> filled in.
    const re = new RegExp(`^${m[2].trim().split(/<[^>]+>/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const links = names.map((n, k) => (re.test(n) ? `<a href="#${id('s', w, k)}">S${k + 1}</a>` : '')).filter(Boolean);
    return `<span class="scn">${esc(line)}</span>${links.length ? `   → ${links.join(' ')}` : ''}`;
  });
  return `<h2 id="${id('feature', w)}">Feature: features/${esc(w)}.feature</h2><details open><summary>Gherkin text</summary><pre class="feature">${lines.join('\n')}</pre></details>`;
}
