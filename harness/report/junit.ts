import type { Verdict } from '../checks/check';
import type { WorkflowResult } from '../result/model';

/**
 * JUnit XML for CI systems: one testsuite per workflow, one testcase per scenario. A
 * scenario fails with the messages of its failed MUST verdicts (or the step error when a
 * step failed without one); SHOULD failures and INFO outcomes go to system-out and to
 * testcase properties, so they are visible without failing the build. A kit error or an
 * undefined step is an `<error>` testcase of its workflow.
 */
export function renderJUnit(all: WorkflowResult[]): string {
  const suites = all.map(suite);
  const tests = suites.reduce((n, s) => n + s.tests, 0);
  const failures = suites.reduce((n, s) => n + s.failures, 0);
  const errors = suites.reduce((n, s) => n + s.errors, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="loginflow" tests="${tests}" failures="${failures}" errors="${errors}">`,
    ...suites.map((s) => s.xml),
    '</testsuites>',
    '',
  ].join('\n');
}

function suite(r: WorkflowResult): { xml: string; tests: number; failures: number; errors: number; skipped: number } {
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const s of r.scenarios) {
    const must = s.verdicts.filter((v) => v.result === 'fail' && v.level === 'MUST');
    const should = s.verdicts.filter((v) => v.result === 'fail' && v.level !== 'MUST');
    const info = s.verdicts.filter((v) => v.result === 'info');
    const na = s.verdicts.filter((v) => v.result === 'na');
    const body: string[] = [];
    const props = [
      ...should.map((v) => prop(`SHOULD ${v.id}`, `FAILED: ${v.actual}`)),
      ...info.map((v) => prop(`INFO ${v.id}`, `${v.ok ? 'WORKED' : 'BLOCKED'}: ${v.actual}`)),
      ...na.map((v) => prop(`N/A ${v.id}`, v.reason ?? v.actual)),
    ];
    if (props.length) body.push(`      <properties>`, ...props.map((p) => `        ${p}`), `      </properties>`);
    if (must.length) {
      failures++;
      body.push(`      <failure type="MUST" message="${attr(must.map((v) => v.id).join(', '))}">${text(must.map(describe).join('\n\n'))}</failure>`);
    } else if (s.status === 'FAILED') {
      failures++;
      body.push(`      <failure type="step" message="${attr(firstLine(s.errors[0] ?? 'a step failed'))}">${text(s.errors.join('\n\n'))}</failure>`);
    }
    const out = [
      ...should.map((v) => `SHOULD ${describe(v)}`),
      ...info.map((v) => `INFO ${v.id} ${v.ok ? 'WORKED' : 'BLOCKED'}: ${v.actual}`),
      ...na.map((v) => `N/A ${v.id}: ${v.reason ?? v.actual}`),
    ];
    if (out.length) body.push(`      <system-out>${text(out.join('\n\n'))}</system-out>`);
    // A whole testcase that did not apply (skipped for the variant in force, or every verdict N/A) is <skipped> with the reason.
    if (!must.length && s.status !== 'FAILED' && (s.status === 'SKIPPED' || (s.verdicts.length > 0 && na.length === s.verdicts.length))) {
      skipped++;
      body.unshift(`      <skipped message="${attr([...new Set(na.map((v) => v.reason ?? v.actual))].join('; ') || 'not applicable')}"/>`);
    }
    const open = `    <testcase classname="${attr(r.workflow)}" name="${attr(s.name)}" assertions="${s.verdicts.length}"`;
    cases.push(body.length ? `${open}>\n${body.join('\n')}\n    </testcase>` : `${open}/>`);
  }
  const kitProblems = [r.kitError && `kit error${r.kitErrorCode ? ` [${r.kitErrorCode}]` : ''}: ${r.kitError}`, ...r.undefinedSteps.map((t) => `undefined step: ${t}`)].filter((x): x is string => !!x);
  if (kitProblems.length) {
    errors++;
    cases.push(`    <testcase classname="${attr(r.workflow)}" name="kit">\n      <error type="kit" message="${attr(kitProblems[0])}">${text(kitProblems.join('\n'))}</error>\n    </testcase>`);
  }
  const tests = cases.length;
  const xml = [
    `  <testsuite name="${attr(r.workflow)}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}">`,
    `    <properties>`,
    `      ${prop('config', r.configFile)}`,
    `      ${prop('exitCode', String(r.exitCode))}`,
    `    </properties>`,
    ...cases,
    `  </testsuite>`,
  ].join('\n');
  return { xml, tests, failures, errors, skipped };
}

function describe(v: Verdict): string {
  return `${v.id} ${v.level} (${v.name}, step ${v.steps.join(', ')})\n  expected: ${v.expected}\n  actual: ${v.actual}${v.evidence.length ? `\n  evidence: ${v.evidence.map((e) => `#${e.seq} ${e.from}->${e.to} ${e.request.method} ${e.request.path} ${e.response?.status ?? e.error ?? ''}`).join('; ')}` : ''}`;
}

function prop(name: string, value: string): string {
  return `<property name="${attr(name)}" value="${attr(value)}"/>`;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

// XML 1.0 forbids most control characters even as references; drop them.
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function text(s: string): string {
  return s.replace(INVALID, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;');
}
