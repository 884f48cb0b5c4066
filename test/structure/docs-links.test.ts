import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listWorkflows } from '../../harness/spec/diagram';
import { parseMarkdown, readMarkdown, slug } from './markdown';

/**
 * The README is the five-minute read (issue #27); every topic it used to hold lives in a page
 * of docs/. These tests keep that promise: each page one click from the README, and no link in
 * the README or docs/ pointing at a file or a heading that is not there.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const README = path.join(ROOT, 'README.md');
const DOCS = path.join(ROOT, 'docs');
const pages = () => fs.readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort().map((f) => path.join(DOCS, f));
const rel = (f: string) => path.relative(ROOT, f);

test('the README is a five-minute read: at most 300 lines', () => {
  const lines = fs.readFileSync(README, 'utf8').trimEnd().split('\n').length;
  assert.ok(lines <= 300, `README.md has ${lines} lines; move a topic to a page of docs/ and link it`);
});

test('every page of docs/ is linked from the README, so what moved out of it is one click away', () => {
  const linked = new Set(readMarkdown(README).links.map((l) => path.resolve(ROOT, l.target.split('#')[0])));
  const unlinked = pages().filter((p) => !linked.has(p)).map(rel);
  assert.deepEqual(unlinked, [], 'pages of docs/ the README does not link (add them to its "Documentation" table)');
  assert.ok(pages().length >= 10, `docs/ has its pages (${pages().length})`);
});

test('every relative link in the README and docs/ names a file that exists, and its #anchor a heading of that file', () => {
  const broken: string[] = [];
  const anchorsOf = new Map<string, string[]>();
  for (const file of [README, ...pages()]) {
    for (const { target, line } of readMarkdown(file).links) {
      if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check offline
      const [p, anchor] = target.split('#');
      const to = p ? path.resolve(path.dirname(file), decodeURIComponent(p)) : file;
      const where = `${rel(file)}:${line} → ${target}`;
      if (!fs.existsSync(to)) {
        broken.push(`${where}: no such file`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!to.endsWith('.md')) {
        broken.push(`${where}: an anchor into a file that is not Markdown`);
        continue;
      }
      if (!anchorsOf.has(to)) anchorsOf.set(to, readMarkdown(to).anchors);
      if (!anchorsOf.get(to)!.includes(anchor)) broken.push(`${where}: ${rel(to)} has no heading with that anchor`);
    }
  }
  assert.deepEqual(broken, []);
});

test('the README has a "<workflow> checks" heading per diagram, linking to that workflow\'s generated table in docs/checks.md', () => {
  const readme = fs.readFileSync(README, 'utf8');
  const checks = readMarkdown(path.join(DOCS, 'checks.md')).anchors;
  for (const w of listWorkflows()) {
    // The same rule as the project's before-stop hook: grep -qE "^#+ .*<workflow>.*checks" README.md
    assert.match(readme, new RegExp(`^#+ .*${w}.*checks`, 'm'), `README.md: a heading like "### ${w} checks"`);
    assert.ok(readme.includes(`(docs/checks.md#${w}-checks)`), `README.md links docs/checks.md#${w}-checks`);
    assert.ok(checks.includes(`${w}-checks`), `docs/checks.md has the section ${w}-checks`);
  }
});

test('the link reader: headings become GitHub\'s anchors; fenced code and code spans hold no links', () => {
  assert.equal(slug('One clock for the world under test (libfaketime)'), 'one-clock-for-the-world-under-test-libfaketime');
  assert.equal(slug('The OAuth authorization-code workflows (`webapp-oauth-code-*`)'), 'the-oauth-authorization-code-workflows-webapp-oauth-code-');
  assert.equal(slug('Where the time goes (`npm run bench`)'), 'where-the-time-goes-npm-run-bench');
  assert.equal(slug('Fidelity: CORS, client authentication, kit gaps'), 'fidelity-cors-client-authentication-kit-gaps');
  assert.equal(slug('See [the double](x.md) — `a_b`'), 'see-the-double--a_b');
  const doc = parseMarkdown(
    [
      '# Title',
      'Text [a](a.md) and ![img](b.png "title") and `[not](c.md)`.',
      '```sh',
      '# not a heading [nor](d.md)',
      '```',
      '## Title',
      '### Title',
      '[e](e.md#x) [f](https://example.org/f)',
    ].join('\n'),
  );
  assert.deepEqual(doc.anchors, ['title', 'title-1', 'title-2']);
  assert.deepEqual(doc.links, [
    { target: 'a.md', line: 2 },
    { target: 'b.png', line: 2 },
    { target: 'e.md#x', line: 8 },
    { target: 'https://example.org/f', line: 8 },
  ]);
});
