import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * docs/adding-a-workflow.md stays true to the code: every file path it names in backticks
 * exists (a `<placeholder>` segment or a `*` must match at least one file), every symbol
 * (`Scenario`, `act()`, `s.credentials`) is declared in the kit's TypeScript, every `npm run`
 * script is in package.json, and every class a code example constructs (`new OAuthFlow(…)`)
 * exists. It once named `oauth-flow.ts` and `OauthFlow`, which never did.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const PAGE = path.join(ROOT, 'docs', 'adding-a-workflow.md');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    if (d.name === 'node_modules' || d.name.startsWith('.')) return [];
    const p = path.join(dir, d.name);
    return d.isDirectory() ? [`${path.relative(ROOT, p)}/`, ...walk(p)] : [path.relative(ROOT, p)];
  });
}

export interface Tree {
  /** Every file and directory (directories end with /), relative to the root. */
  paths: string[];
  /** The text of every .ts file of harness/, steps/ and test/. */
  sources: string;
  scripts: string[];
}

function tree(): Tree {
  const paths = walk(ROOT);
  const sources = paths
    .filter((p) => /^(harness|steps|test)\/.*\.ts$/.test(p))
    .map((p) => fs.readFileSync(path.join(ROOT, p), 'utf8'))
    .join('\n');
  return { paths, sources, scripts: Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts) };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A path, where `<name>` is any one segment and `*` any part of one, matched against the tree. */
function pathExists(t: Tree, p: string): boolean {
  // A directory may be named with or without its closing slash.
  const re = new RegExp(`^${p.split(/(<[^>]+>|\*)/).map((x) => (x === '*' ? '[^/]*' : x.startsWith('<') ? '[^/]+' : escape(x))).join('')}${p.endsWith('/') ? '' : '/?'}$`);
  return t.paths.some((x) => re.test(x));
}

/** A name declared in the sources: a class, interface, type, function or constant, a method, a field or a property. */
function declared(t: Tree, name: string): boolean {
  const n = escape(name);
  return new RegExp(`\\b(?:class|interface|type|enum|function|const|let)\\s+${n}\\b|^\\s*(?:(?:export|async|get|private|readonly|static|public)\\s+)*${n}\\??\\s*[(<:=]|[{,]\\s*${n}\\??\\s*:`, 'm').test(t.sources);
}

/** What the page names that does not exist, one line each. */
export function untrue(markdown: string, t: Tree): string[] {
  const out: string[] = [];
  const lines = markdown.split('\n');
  let fenced = false;
  for (const [i, line] of lines.entries()) {
    if (line.startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    const at = `line ${i + 1}`;
    if (fenced) {
      // JavaScript's own classes (Error, Map) are no names of the kit.
      for (const m of line.matchAll(/\bnew ([A-Z]\w*)\(/g)) if (!(m[1] in globalThis) && !declared(t, m[1])) out.push(`${at}: the example constructs ${m[1]}, which the code does not declare`);
      continue;
    }
    for (const [, span] of line.matchAll(/`([^`]+)`/g)) {
      const words = span.split(/\s+/);
      if (/^npm run /.test(span) && !t.scripts.includes(words[2])) out.push(`${at}: \`${span}\`: no script "${words[2]}" in package.json`);
      for (const w of words.filter((x) => /^[\w.<>*-]+\/[\w.<>*/-]*$/.test(x) && !/^\d/.test(x))) {
        if (!pathExists(t, w)) out.push(`${at}: \`${w}\` does not exist`);
      }
      if (words.length > 1) continue;
      // A file by its name alone (`scenario.ts`): some file of the tree has it.
      if (/^[\w-]+(\.[\w-]+)*\.(ts|js|json|md|puml|feature)$/.test(span)) {
        if (!t.paths.some((x) => x === span || x.endsWith(`/${span}`))) out.push(`${at}: no file \`${span}\``);
        continue;
      }
      const call = /^(?:[a-z]\w*\.)*([A-Za-z_]\w*)\(\)$/.exec(span);
      const symbol = /^[A-Z][A-Za-z0-9_]*$/.exec(span);
      const member = /^(?:[a-z]\w*\.)+([A-Za-z_]\w*)$|^([a-z]+[A-Z]\w*)$/.exec(span);
      const name = call?.[1] ?? symbol?.[0] ?? member?.[1] ?? member?.[2];
      if (name && !declared(t, name)) out.push(`${at}: \`${span}\`: ${name} is declared nowhere in harness/, steps/ or test/`);
    }
  }
  return out;
}

test('docs/adding-a-workflow.md names only files, symbols and scripts that exist', () => {
  const page = fs.readFileSync(PAGE, 'utf8');
  const names = [...page.matchAll(/`([^`]+)`/g)].length;
  assert.ok(names > 100, `the page's names were read (${names})`);
  assert.deepEqual(untrue(page, tree()), []);
});

test('the check names what does not exist: a file, a placeholder path, a class, a method, a member, a script, a constructed class', () => {
  const t: Tree = {
    paths: ['harness/', 'harness/workflow/', 'harness/workflow/oauth/', 'harness/workflow/oauth/flow.ts', 'backends/', 'backends/a/', 'backends/a/mutants/', 'backends/a/mutants/x.json'],
    sources: 'export class OAuthFlow {\n  readonly credentials: Credentials;\n  async followToApp(actor: string) {}\n}\nexport function conformanceSuite(o) {}\n',
    scripts: ['test', 'mutation'],
  };
  const page = [
    'The flow is `harness/workflow/oauth/flow.ts` (`OAuthFlow`), its mutants `backends/<id>/mutants/*.json`, `followToApp()`, `s.credentials`, `conformanceSuite()`, `npm run mutation`.',
    'Wrong: `harness/workflow/oauth/oauth-flow.ts`, `backends/<id>/other/`, `OauthFlow`, `s.noSuchThing()`, `s.nothing`, `npm run checks:update`, `loginRecord`.',
    'Prose in backticks is not a name: `(step N)`, `--variant`, `run`, `name.0`; a directory may go without its slash: `backends/a`; a file by its name: `flow.ts`, not `oauth-flow.ts`.',
    '```ts',
    'new OAuthFlow(s); new OauthFlow(s); throw new Error("a built-in");',
    '```',
  ].join('\n');
  assert.deepEqual(untrue(page, t), [
    'line 2: `harness/workflow/oauth/oauth-flow.ts` does not exist',
    'line 2: `backends/<id>/other/` does not exist',
    'line 2: `OauthFlow`: OauthFlow is declared nowhere in harness/, steps/ or test/',
    'line 2: `s.noSuchThing()`: noSuchThing is declared nowhere in harness/, steps/ or test/',
    'line 2: `s.nothing`: nothing is declared nowhere in harness/, steps/ or test/',
    'line 2: `npm run checks:update`: no script "checks:update" in package.json',
    'line 2: `loginRecord`: loginRecord is declared nowhere in harness/, steps/ or test/',
    'line 3: no file `oauth-flow.ts`',
    'line 5: the example constructs OauthFlow, which the code does not declare',
  ]);
});
