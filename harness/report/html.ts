import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Verdict } from '../checks/check';
import { safe } from './observed';
import { type RenderReport, serverUrl, svgPath } from './render';
import { workflowPage } from './files';
import { type WorkflowBadge, failures, runBadge, tally, workflowBadge } from './conformance';
import { declaredApps } from './single-app';
import type { WorkflowResult } from '../result/model';

/**
 * The HTML report, readable offline (SVG inlined, everything else a relative link, no script,
 * no CDN): `index.html`, the run at a glance (a row per workflow: its badge, scenarios passed,
 * failed and not applicable, MUST and SHOULD checks held, N/A and INFO counted apart, a link to
 * its page), and a page per workflow, `<workflow>.html` (html-workflow.ts). Every piece of text
 * is HTML-escaped. This module holds what both kinds of page share.
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

/** An element id from parts: the anchors scripts/report-screenshots.js and the tests use. */
export function id(...parts: (string | number)[]): string {
  return parts.map((p) => String(p).replace(/[^A-Za-z0-9_-]+/g, '-')).join('--');
}

export function resultText(v: Pick<Verdict, 'result' | 'ok'>): string {
  return v.result === 'info' ? (v.ok ? 'WORKED' : 'BLOCKED') : v.result === 'na' ? 'N/A' : v.result.toUpperCase();
}

export function resultClass(v: Pick<Verdict, 'result' | 'level'>): string {
  return v.result === 'fail' ? (v.level === 'MUST' ? 'fail' : 'warn') : v.result;
}

const BADGE_CLASS: Record<WorkflowBadge, string> = { CONFORMS: 'pass', 'CONFORMS WITH WARNINGS': 'warn', 'DOES NOT CONFORM': 'fail', 'KIT ERROR': 'fail' };

export function badgeHtml(b: WorkflowBadge): string {
  return `<span class="badge ${BADGE_CLASS[b]}">${b}</span>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header,main{padding:0 24px}header{background:#263238;color:#fff;padding:12px 24px}header a{color:#b3e5fc}header .muted{color:#B0BEC5}
h1{margin:0 0 4px;font-size:22px}h2{border-bottom:2px solid #263238;padding-top:16px}h3{margin-top:28px}
table{border-collapse:collapse;margin:8px 0;background:#fff}th,td{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#eceff1}td.num{text-align:right}
.pass{color:#2E7D32;font-weight:600}.fail{color:#fff;background:#D50000;font-weight:600}.warn{color:#000;background:#FFB74D;font-weight:600}.info{color:#1565C0;font-weight:600}
tr.row-fail td{background:#FFEBEE}tr.row-warn td{background:#FFF3E0}tr.row-info td{background:#E3F2FD}
td.result.fail{background:#D50000;color:#fff}td.result.warn{background:#FFB74D}td.result.na{background:#ECEFF1;color:#546E7A}.na{color:#546E7A;font-style:italic}.badge.na{background:#ECEFF1}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px}.badge.pass{background:#E8F5E9}header .badge{font-size:14px}
.failures{background:#fff;border:1px solid #ccc;border-left:6px solid #D50000;padding:4px 12px;margin:8px 0;color:#1b1b1b}.failures.warn-list{border-left-color:#FFB74D}
.diagram{background:#fff;border:1px solid #ddd;padding:6px;margin:8px 0;overflow:auto;max-width:100%}
.diagram svg.fit{display:block;width:100%;height:auto;max-width:var(--natural-width,100%)}
.diagram .zoom{vertical-align:middle}.diagram .zoom:checked~.svg svg.fit{width:var(--natural-width);max-width:none}
figcaption{font-size:12px;color:#555}
pre{background:#fff;border:1px solid #ddd;padding:8px;overflow:auto;font-size:12px}
pre.feature .scn{font-weight:bold;background:#E3F2FD}details.scenario-diagram>summary{cursor:pointer;color:#37474F}
table.verdicts{width:100%}table.verdicts td:nth-child(6){width:16em}table.verdicts td:nth-child(7){width:8em}
.key span{margin-right:12px}.muted{color:#777}nav.toc a{margin-right:12px}
`;

/** A whole page: the shared style, the header, the body. The text is redacted by pattern on its way out. */
export function page(title: string, header: string, body: string): string {
  return safe(
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head><body>\n` +
      `<header>${header}</header>\n<main>\n${body}\n</main></body></html>\n`,
  );
}

const EXIT_WORDS = ['all MUST checks hold', 'a MUST check failed', 'kit or config error'];

/** How diagrams were drawn, and how the SPA was driven: the same lines on every page. */
export function runLines(x: IndexInput): string {
  const r = x.rendering;
  return (
    `<div id="rendering">diagrams: <b>${esc(r.mode)}</b>: ${esc(r.reason)}${r.mode === 'local' ? `; ${r.rendered}/${r.diagrams} rendered in ${r.durationMs} ms with ${r.jvmStarts} JVM start` : ''}${r.error ? ` <b>(${esc(r.error)})</b>` : ''}</div>` +
    (x.browser ? `<div id="browser">browser: <b>${esc(x.browser.mode)}</b>: ${esc(x.browser.reason)}</div>` : '')
  );
}

export function renderIndex(x: IndexInput): string {
  const byWf = new Map(x.all.map((r) => [r.workflow, r]));
  const exit = Math.max(0, ...x.all.map((r) => r.exitCode));
  const header =
    `<h1>loginflow report ${x.all.length ? badgeHtml(runBadge(x.all)) : ''}</h1>` +
    `<div>exit <b>${exit}</b> (${esc(EXIT_WORDS[exit] ?? '')}) · <a href="summary.json">summary.json</a> · <a href="junit.xml">junit.xml</a></div>${runLines(x)}`;
  const rows: string[] = [];
  for (const w of x.workflows) {
    const r = byWf.get(w);
    const link = `<a href="${esc(workflowPage(w))}">${esc(w)}</a>`;
    if (!r) {
      rows.push(`<tr id="${id('row', w)}"><td>${link}</td><td class="muted">not run</td><td colspan="7"></td></tr>`);
      continue;
    }
    const t = tally(r.scenarios);
    const one = declaredApps(r).length === 1 ? ' <span class="muted">(one application)</span>' : '';
    rows.push(
      `<tr id="${id('row', w)}"><td>${link}${one}</td><td>${badgeHtml(workflowBadge(r))}</td>` +
        `<td class="num">${t.scenarios.passed}</td><td class="num">${t.scenarios.failed}</td><td class="num">${t.scenarios.na}</td>` +
        `<td class="num">${t.must.held}/${t.must.held + t.must.failed}</td><td class="num">${t.should.held}/${t.should.held + t.should.failed}</td>` +
        `<td class="num">${t.na}</td><td class="num">${t.info}</td></tr>`,
    );
  }
  const body = [
    '<h2 id="overview">Workflows</h2>',
    '<table id="overview-table"><tr><th rowspan="2">workflow</th><th rowspan="2">result</th><th colspan="3">scenarios</th><th colspan="4">checks (verdicts)</th></tr>' +
      '<tr><th>passed</th><th>failed</th><th>N/A</th><th>MUST held</th><th>SHOULD held</th><th>N/A</th><th>INFO</th></tr>' +
      rows.join('\n') +
      '</table>',
    '<p class="muted">N/A: not applicable, with the reason (a scenario about a second application when the config declares one; a check with no subject in this app); never counted as held or passed. MUST and SHOULD held: checks that passed, of those judged.</p>',
    ...x.workflows.map((w) => failureList(w, byWf.get(w))),
    `<p class="key">Each workflow's page shows the spec diagram, the observed diagram stitched from its scenarios, the verdicts in step order and every scenario. Observed diagrams: <span><b>8</b> = spec step exercised</span><span>(8) = repeated by a setup step</span><span class="pass">green ✓ = checks passed</span><span style="color:#D50000">red ✗ + note = MUST failed</span><span style="color:#E65100">orange ! = SHOULD failed</span><span class="info">blue note = INFO outcome</span><span class="muted">grey = not in the spec (extra call)</span>; spec arrows never observed are listed as missing. Cookie and token values are shown only as a prefix and fingerprint (<code>eyJhbG…#1a2b3c</code>), passwords as <code>*****</code>.</p>`,
  ];
  return page('loginflow report', header, body.join('\n'));
}

/**
 * Under the overview, per workflow that does not simply conform: its failed MUST checks, or its
 * failed SHOULD checks (the warnings), one line per check id, linking to the workflow's page.
 */
export function failureList(w: string, r: WorkflowResult | undefined, onPage = false): string {
  if (!r) return '';
  const f = failures(r.scenarios);
  const list = (vs: Verdict[], level: string) => {
    const byId = new Map<string, Verdict[]>();
    for (const v of vs) byId.set(v.id, [...(byId.get(v.id) ?? []), v]);
    const target = (vid: string) => `${onPage ? '' : esc(workflowPage(w))}#${id('check', w, vid)}`;
    return [...byId.entries()].map(([vid, same]) => `<li><a href="${target(vid)}"><code>${esc(vid)}</code></a> ${level} failed${same.length > 1 ? ` in ${same.length} scenarios` : ''}: ${esc(same[0].actual)}</li>`).join('');
  };
  const out: string[] = [];
  if (f.must.length) out.push(`<div class="failures" id="${id('must-failed', w)}"><b>${esc(w)}: DOES NOT CONFORM</b>, MUST checks failed:<ul>${list(f.must, 'MUST')}</ul></div>`);
  if (f.should.length)
    out.push(`<div class="failures warn-list" id="${id('warnings', w)}"><b>${esc(w)}: ${f.must.length ? 'and' : 'CONFORMS WITH WARNINGS'}</b>, SHOULD checks failed:<ul>${list(f.should, 'SHOULD')}</ul></div>`);
  if (r.kitError) out.push(`<div class="failures" id="${id('kit-error', w)}"><b>${esc(w)}: kit error${r.kitErrorCode ? ` [${esc(r.kitErrorCode)}]` : ''}</b>: ${esc(r.kitError)}</div>`);
  return out.join('\n');
}

/**
 * A diagram as this run can show it: inline SVG, a PlantUML server image, or the source. An
 * inline SVG is as wide as the page and never wider than it was drawn (`--natural-width`), so a
 * tall sequence diagram reads at full width; "actual size" shows it as drawn (scrolling
 * sideways), and the SVG file opens on its own for the browser's zoom.
 */
export function figure(x: IndexInput, puml: string, caption: string, key: string): string {
  if (!fs.existsSync(puml)) return `<p class="muted">(no diagram: ${esc(path.basename(puml))})</p>`;
  const rel = path.relative(x.dir, puml).split(path.sep).join('/');
  const source = fs.readFileSync(puml, 'utf8');
  const svgFile = svgPath(puml);
  const links = `<a href="${esc(rel)}">PlantUML source</a>`;
  if (x.rendering.mode === 'local' && fs.existsSync(svgFile)) {
    const zoom = id('zoom', key);
    const svgRel = rel.replace(/\.puml$/, '.svg');
    return (
      `<figure class="diagram rendered"><input type="checkbox" class="zoom" id="${zoom}"><label for="${zoom}">actual size</label> · <a href="${esc(svgRel)}" target="_blank">open the SVG</a> (zoom there)` +
      `<div class="svg">${inlineSvg(fs.readFileSync(svgFile, 'utf8'), true)}</div><figcaption>${esc(caption)} · <a href="${esc(svgRel)}">SVG</a> · ${links}</figcaption></figure>`
    );
  }
  if (x.rendering.server) {
    return `<figure class="diagram linked"><img src="${esc(serverUrl(x.rendering.server, source))}" alt="${esc(caption)}" style="max-width:100%"><figcaption>${esc(caption)} · drawn by ${esc(x.rendering.server)} · ${links}</figcaption></figure>`;
  }
  return `<figure class="diagram source"><pre class="puml">${esc(source)}</pre><figcaption>${esc(caption)} · not rendered (${esc(x.rendering.reason)}) · ${links}</figcaption></figure>`;
}

/**
 * PlantUML's SVG, minus the XML prologue and anything executable. `fit`: its fixed size becomes
 * `--natural-width` (the CSS scales it to the page up to that width, keeping its aspect ratio
 * through the viewBox).
 */
export function inlineSvg(svg: string, fit = false): string {
  const out = fit
    ? svg.replace(/<svg\b[^>]*>/, (tag) => {
        const width = /\swidth="(\d+(?:\.\d+)?)(?:px)?"/.exec(tag)?.[1];
        const bare = tag.replace(/\s(width|height|style|preserveAspectRatio)="[^"]*"/g, '');
        return bare.replace(/^<svg/, `<svg class="fit" preserveAspectRatio="xMidYMin meet"${width ? ` style="--natural-width:${width}px"` : ''}`);
      })
    : svg;
  return out
    .replace(/^\s*<\?xml[^>]*\?>/, '')
    .replace(/<!DOCTYPE[^>]*>/i, '')
    .replace(/<script[\s\S]*?<\/script>/gi, '')
    .replace(/\son[a-z]+\s*=\s*("[^"]*"|'[^']*')/gi, '')
    .replace(/(href\s*=\s*["'])\s*javascript:[^"']*/gi, '$1#');
}
