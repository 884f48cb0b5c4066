import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Verdict } from '../checks/check';
import type { Exchange } from '../trace';
import { safe } from './observed';
import { type RenderReport, serverUrl, svgPath } from './render';
import { STITCHED, scenarioFiles } from './files';
import { badgeOf } from './badge';
import { type ScenarioResult, type WorkflowResult, clockSummary } from '../result/model';

/**
 * `reports/index.html`: the run as living documentation, readable offline (SVG inlined,
 * everything else a relative link, no script, no CDN). Per workflow: the spec diagram and
 * the stitched observed diagram side by side, the verdict table (step, check id, level,
 * result, evidence), each scenario's observed diagram with its exchanges, and the feature
 * text; all linked to each other. Every piece of text is HTML-escaped.
 */
export interface IndexInput {
  all: WorkflowResult[];
  dir: string;
  root: string;
  /** Every workflow with a diagram, run or not. */
  workflows: string[];
  rendering: RenderReport;
  /** How the SPA was driven (`--browser`) and why. */
  browser?: { mode: string; reason: string };
}

export function esc(s: string | number | undefined): string {
  return String(s ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function id(...parts: (string | number)[]): string {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9_-]+/g, '-')).join('--');
}

export function resultText(v: Pick<Verdict, 'result' | 'ok'>): string {
  return v.result === 'info' ? (v.ok ? 'WORKED' : 'BLOCKED') : v.result === 'na' ? 'N/A' : v.result.toUpperCase();
}

function resultClass(v: Verdict): string {
  return v.result === 'fail' ? (v.level === 'MUST' ? 'fail' : 'warn') : v.result;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header,main{padding:0 24px}header{background:#263238;color:#fff;padding:12px 24px}header a{color:#b3e5fc}
h1{margin:0 0 4px;font-size:22px}h2{border-bottom:2px solid #263238;padding-top:16px}h3{margin-top:28px}
table{border-collapse:collapse;margin:8px 0;background:#fff}th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#eceff1}td.num{text-align:right}
.pass{color:#2E7D32;font-weight:600}.fail{color:#fff;background:#D50000;font-weight:600}.warn{color:#000;background:#FFB74D;font-weight:600}.info{color:#1565C0;font-weight:600}
tr.row-fail td{background:#FFEBEE}tr.row-warn td{background:#FFF3E0}tr.row-info td{background:#E3F2FD}
td.result.fail{background:#D50000;color:#fff}td.result.warn{background:#FFB74D}td.result.na{background:#ECEFF1;color:#546E7A}.na{color:#546E7A;font-style:italic}.badge.na{background:#ECEFF1}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px}
.diagram{background:#fff;border:1px solid #ddd;padding:6px;margin:8px 0;overflow:auto;max-width:100%}
.diagram svg{max-width:none;height:auto}.diagram svg.fit{width:100%;height:auto;max-width:100%}figcaption{font-size:12px;color:#555}
.side{display:grid;grid-template-columns:1fr 1fr;gap:12px}.side>div{min-width:0}
pre{background:#fff;border:1px solid #ddd;padding:8px;overflow:auto;font-size:12px}
pre.feature .scn{font-weight:bold;background:#E3F2FD}
.key span{margin-right:12px}.muted{color:#777}nav ul{columns:2}
`;

export function renderIndex(x: IndexInput): string {
  const byWf = new Map(x.all.map((r) => [r.workflow, r]));
  const exit = Math.max(0, ...x.all.map((r) => r.exitCode));
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>loginflow report</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>`);
  parts.push(`<header><h1>loginflow report</h1><div>exit <b>${exit}</b> (${esc(['all MUST checks hold', 'a MUST check failed', 'kit or config error'][exit] ?? '')}) · <a href="summary.json">summary.json</a> · <a href="junit.xml">junit.xml</a></div>`);
  parts.push(`<div id="rendering">diagrams: <b>${esc(x.rendering.mode)}</b>: ${esc(x.rendering.reason)}${x.rendering.mode === 'local' ? `; ${x.rendering.rendered}/${x.rendering.diagrams} rendered in ${x.rendering.durationMs} ms with ${x.rendering.jvmStarts} JVM start` : ''}${x.rendering.error ? ` <b>(${esc(x.rendering.error)})</b>` : ''}</div>${x.browser ? `<div id="browser">browser: <b>${esc(x.browser.mode)}</b>: ${esc(x.browser.reason)}</div>` : ''}</header><main>`);
  parts.push('<h2 id="overview">Workflows</h2><table id="overview-table"><tr><th>workflow</th><th>result</th><th>scenarios</th><th>MUST hold</th><th>SHOULD hold</th><th>INFO</th><th>links</th></tr>');
  for (const w of x.workflows) {
    const r = byWf.get(w);
    if (!r) {
      parts.push(`<tr><td><a href="#${id('wf', w)}">${esc(w)}</a></td><td class="muted">not run</td><td colspan="4"></td><td><a href="#${id('spec', w)}">spec</a></td></tr>`);
      continue;
    }
    const vs = r.scenarios.flatMap((s) => s.verdicts);
    const count = (lvl: string) => vs.filter((v) => v.level === lvl);
    const passed = r.scenarios.filter((s) => s.status === 'PASSED').length;
    parts.push(
      `<tr><td><a href="#${id('wf', w)}">${esc(w)}</a></td><td>${badge(r)}</td><td>${passed}/${r.scenarios.length} passed</td><td>${count('MUST').filter((v) => v.ok).length}/${count('MUST').length}</td><td>${count('SHOULD').filter((v) => v.ok).length}/${count('SHOULD').length}</td><td>${count('INFO').length}</td>` +
        `<td><a href="#${id('side', w)}">spec vs observed</a> · <a href="#${id('verdicts', w)}">verdicts</a> · <a href="#${id('feature', w)}">feature</a></td></tr>`,
    );
  }
  parts.push('</table>');
  parts.push(
    `<p class="key">Observed diagrams: <span><b>8</b> = spec step exercised</span><span>(8) = repeated by a setup step</span><span class="pass">green ✓ = checks passed</span><span style="color:#D50000">red + note = MUST failed</span><span style="color:#E65100">orange = SHOULD failed</span><span class="info">blue note = INFO outcome</span><span class="muted">grey = not in the spec (extra call)</span>; spec arrows never observed are listed as missing. Cookie and token values are shown only as a prefix and fingerprint (<code>eyJhbG…#1a2b3c</code>), passwords as <code>*****</code>.</p>`,
  );
  for (const w of x.workflows) parts.push(workflowSection(x, w, byWf.get(w)));
  parts.push('</main></body></html>\n');
  return safe(parts.join('\n'));
}

function badge(r: WorkflowResult): string {
  const text = badgeOf(r);
  const cls = text === 'CONFORMS' ? 'pass' : text === 'CONFORMS WITH WARNINGS' ? 'warn' : 'fail';
  return `<span class="badge ${cls}">${text}</span>`;
}

function workflowSection(x: IndexInput, w: string, r: WorkflowResult | undefined): string {
  const out: string[] = [`<section id="${id('wf', w)}" class="workflow"><h2>${esc(w)} ${r ? badge(r) : '<span class="muted">(not run in this run)</span>'}</h2>`];
  const spec = path.join(x.dir, 'spec', `${w}.puml`);
  if (r) {
    out.push(`<p>config <code>${esc(path.relative(x.root, r.configFile) || r.configFile)}</code> · exit ${r.exitCode}</p>`);
    const clock = clockSummary(r);
    if (clock)
      out.push(
        `<p class="clock">clock: <b>${clock.kind}</b> (${clock.backends.map((b) => `${esc(b.name)} ${b.clock}`).join(', ')}): ${esc(clock.reason)} · session TTL ${clock.sessionTtlSeconds} s · ` +
          `moved ${Math.round(clock.advancedMs / 1000)} s instead of waiting · deliberate waits ${clock.waitedMs} ms${clock.kind === 'world' ? " · in browser mode the page's clock follows it" : ''}</p>`,
      );
    if (r.kitError) out.push(`<p class="fail">kit error${r.kitErrorCode ? ` [${r.kitErrorCode}]` : ''}: ${esc(r.kitError)}</p>`);
    if (r.undefinedSteps.length) out.push(`<p class="fail">undefined steps: ${r.undefinedSteps.map(esc).join('; ')}</p>`);
    const stitched = path.join(x.dir, w, STITCHED);
    out.push(`<h3 id="${id('side', w)}">As specified vs as observed</h3><div class="side"><div id="${id('spec', w)}">${figure(x, spec, `${w}: as specified (diagrams/${w}.puml)`, true)}</div><div id="${id('observed', w)}">${figure(x, stitched, `${w}: as observed, scenarios stitched in step order`, true)}</div></div>`);
    out.push(verdictTable(w, r));
    // Browser mode: what the real browser showed (written next to the diagrams by writeWorkflowReports).
    const shots = [...new Set(r.scenarios.flatMap((s) => (s.screenshots ?? []).map((p) => path.basename(p.fileName))))];
    for (const shot of shots) out.push(`<h3 id="${id('shot', w)}">Screenshot: ${esc(shot)}</h3><figure><img src="${esc(`${w}/${shot}`)}" alt="${esc(`${w}: ${shot}`)}" style="max-width:100%;border:1px solid #ccc"><figcaption>taken by the kit in headless Chromium</figcaption></figure>`);
    const files = scenarioFiles(r);
    out.push(`<h3>Scenarios</h3><ol>${r.scenarios.map((s, k) => `<li><a href="#${id('s', w, k)}">${esc(s.name)}</a> ${statusBadge(s)}</li>`).join('')}</ol>`);
    r.scenarios.forEach((s, k) => out.push(scenarioSection(x, w, s, k, path.join(x.dir, w, files[k]))));
  } else {
    out.push(`<p class="muted">No run of this workflow in this report (no bundled reference backend, or not selected).</p><div id="${id('spec', w)}">${figure(x, spec, `${w}: as specified (diagrams/${w}.puml)`)}</div>`);
  }
  out.push(featureText(x, w, r));
  out.push('</section>');
  return out.join('\n');
}

function statusBadge(s: ScenarioResult): string {
  const must = s.verdicts.some((v) => v.result === 'fail' && v.level === 'MUST');
  const cls = s.status === 'PASSED' ? 'pass' : s.status === 'SKIPPED' ? 'na' : 'fail';
  // A skipped scenario says why (its not-applicable verdict's reason).
  const why = s.status === 'SKIPPED' ? s.verdicts.find((v) => v.result === 'na') : undefined;
  return `<span class="badge ${cls}">${esc(s.status)}${must ? ' (MUST)' : ''}</span>${why ? ` <span class="na">${esc(why.reason ?? why.actual)}</span>` : ''}`;
}

function verdictTable(w: string, r: WorkflowResult): string {
  const rows = r.scenarios.flatMap((s, k) =>
    s.verdicts.map((v, i) => {
      const cls = resultClass(v);
      const ev = v.evidence.map((e) => `<a href="#${id('e', w, k, e.seq)}">#${e.seq} ${esc(e.request.method)} ${esc(e.request.path)} → ${esc(e.response?.status ?? e.error ?? '')}</a>`).join('<br>');
      return `<tr id="${id('v', w, k, i)}" class="row-${cls}"><td class="num">${esc(v.steps.join(', '))}</td><td><code>${esc(v.id)}</code><br><span class="muted">${esc(v.name)}</span></td><td>${esc(v.level)}</td><td class="result ${cls}">${resultText(v)}</td><td><b>expected:</b> ${esc(v.expected)}<br><b>${v.result === 'na' ? 'not applicable' : 'actual'}:</b> ${esc(v.result === 'na' ? v.reason ?? v.actual : v.actual)}</td><td>${ev || '<span class="muted">—</span>'}</td><td><a href="#${id('s', w, k)}">S${k + 1}</a></td></tr>`;
    }),
  );
  return `<h3 id="${id('verdicts', w)}">Verdicts</h3><table class="verdicts"><tr><th>step</th><th>check id</th><th>level</th><th>result</th><th>expected / actual</th><th>evidence</th><th>scenario</th></tr>${rows.join('\n')}</table>`;
}

function scenarioSection(x: IndexInput, w: string, s: ScenarioResult, k: number, puml: string): string {
  const out = [`<section id="${id('s', w, k)}" class="scenario"><h3>S${k + 1}. ${esc(s.name)} ${statusBadge(s)}</h3>`];
  out.push(`<p><a href="#${id('verdicts', w)}">verdicts</a> · <a href="#${id('feature', w)}">feature</a> · <a href="#${id('side', w)}">spec vs observed</a></p>`);
  const notPassing = s.verdicts.filter((v) => v.result !== 'pass');
  if (notPassing.length) out.push(`<ul>${notPassing.map((v) => `<li class="${resultClass(v)}"><code>${esc(v.id)}</code> ${esc(v.level)} ${resultText(v)}: ${esc(v.actual)}</li>`).join('')}</ul>`);
  if (s.waits?.length) out.push(`<p class="muted">deliberate waits: ${s.waits.map((w) => `${w.ms} ms (${esc(w.reason)})`).join('; ')}</p>`);
  if (s.errors.length) out.push(`<details open><summary>step errors</summary><pre>${esc(s.errors.join('\n\n'))}</pre></details>`);
  out.push(figure(x, puml, `S${k + 1}: ${s.name} (observed)`));
  out.push(`<details><summary>${s.exchanges.length} exchanges</summary>${exchangeTable(w, k, s.exchanges)}</details></section>`);
  return out.join('\n');
}

function exchangeTable(w: string, k: number, exchanges: readonly Exchange[]): string {
  const rows = [...exchanges]
    .sort((a, b) => a.seq - b.seq)
    .map((e) => `<tr id="${id('e', w, k, e.seq)}"><td class="num">${e.seq}</td><td>${esc(e.from)} → ${esc(e.to)}</td><td>${esc(e.request.method)} ${esc(e.request.host)}${esc(e.request.path)}</td><td>${esc(e.response?.status ?? e.error ?? '')}${e.kitGap ? ' (kit gap: not played by the FusionAuth double)' : e.unexpected ? ' (unexpected)' : ''}</td><td>${esc(e.steps.join(', '))}</td><td class="num">${e.durationMs}</td></tr>`);
  return `<table><tr><th>#</th><th>from → to</th><th>request</th><th>status</th><th>spec steps</th><th>ms</th></tr>${rows.join('')}</table>`;
}

/** A diagram as this run can show it: inline SVG, a PlantUML server image, or the source. */
function figure(x: IndexInput, puml: string, caption: string, fit = false): string {
  if (!fs.existsSync(puml)) return `<p class="muted">(no diagram: ${esc(path.basename(puml))})</p>`;
  const rel = path.relative(x.dir, puml).split(path.sep).join('/');
  const source = fs.readFileSync(puml, 'utf8');
  const svgFile = svgPath(puml);
  const links = `<a href="${esc(rel)}">PlantUML source</a>`;
  let body: string;
  if (x.rendering.mode === 'local' && fs.existsSync(svgFile)) {
    body = `<div class="svg">${inlineSvg(fs.readFileSync(svgFile, 'utf8'), fit)}</div>`;
    return `<figure class="diagram rendered">${body}<figcaption>${esc(caption)} · <a href="${esc(rel.replace(/\.puml$/, '.svg'))}">SVG</a> · ${links}</figcaption></figure>`;
  }
  if (x.rendering.server) {
    body = `<img src="${esc(serverUrl(x.rendering.server, source))}" alt="${esc(caption)}">`;
    return `<figure class="diagram linked">${body}<figcaption>${esc(caption)} · drawn by ${esc(x.rendering.server)} · ${links}</figcaption></figure>`;
  }
  return `<figure class="diagram source"><pre class="puml">${esc(source)}</pre><figcaption>${esc(caption)} · not rendered (${esc(x.rendering.reason)}) · ${links}</figcaption></figure>`;
}

/**
 * PlantUML's SVG, minus the XML prologue and anything executable. `fit`: drop the fixed
 * size so it scales to its column (the side-by-side view), keeping its aspect ratio.
 */
export function inlineSvg(svg: string, fit = false): string {
  const out = fit
    ? svg.replace(/<svg\b[^>]*>/, (tag) => tag.replace(/\s(width|height|style|preserveAspectRatio)="[^"]*"/g, '').replace(/^<svg/, '<svg class="fit" preserveAspectRatio="xMidYMin meet"'))
    : svg;
  return out
    .replace(/^\s*<\?xml[^>]*\?>/, '')
    .replace(/<!DOCTYPE[^>]*>/i, '')
    .replace(/<script[\s\S]*?<\/script>/gi, '')
    .replace(/\son[a-z]+\s*=\s*("[^"]*"|'[^']*')/gi, '')
    .replace(/(href\s*=\s*["'])\s*javascript:[^"']*/gi, '$1#');
}

function featureText(x: IndexInput, w: string, r: WorkflowResult | undefined): string {
  const file = path.join(x.root, 'features', `${w}.feature`);
  if (!fs.existsSync(file)) return `<h3 id="${id('feature', w)}">Feature</h3><p class="muted">(no features/${esc(w)}.feature)</p>`;
  const names = r?.scenarios.map((s) => s.name) ?? [];
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).map((line) => {
    const m = /^\s*(Scenario(?: Outline)?|Example):\s*(.*)$/.exec(line);
    if (!m) return esc(line);
    // An outline's pickles are its name with the <placeholders> filled in.
    const re = new RegExp(`^${m[2].trim().split(/<[^>]+>/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    const links = names.map((n, k) => (re.test(n) ? `<a href="#${id('s', w, k)}">S${k + 1}</a>` : '')).filter(Boolean);
    return `<span class="scn">${esc(line)}</span>${links.length ? `   → ${links.join(' ')}` : ''}`;
  });
  return `<h3 id="${id('feature', w)}">Feature: features/${esc(w)}.feature</h3><details open><summary>Gherkin text</summary><pre class="feature">${lines.join('\n')}</pre></details>`;
}
