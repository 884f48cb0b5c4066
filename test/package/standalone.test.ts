import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The package stands alone (#31): nothing the kit runs reads outside its own files. The source
 * of what ships or runs (harness/, steps/, bin/, scripts/) names no place outside the package:
 * not the spec's shared/ folder beside a checkout, not this machine's /work, no absolute path
 * but the Debian programs the kit runs (/usr/bin/chromium, libfaketime under /usr/lib), which
 * are documented prerequisites with an override each. Tests may read ../shared; the kit may not.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const DIRS = ['harness', 'steps', 'bin', 'scripts'];

const OUTSIDE: Array<[string, RegExp]> = [
  ['this machine\'s /work', /\/work\//],
  ['the shared/ folder beside a checkout', /\.\.[/\\]shared|['"`]shared['"`]/],
  ['an absolute path', /['"`]\/(home|tmp|opt|etc|var|root|mnt|srv|Users|work)\//],
  ['an absolute path under /usr other than a Debian program', /['"`]\/usr\/(?!bin\/|lib\/)/],
];

/** The lines of `text` that name a place outside the package, as "file:line: what". */
export function outsideReferences(file: string, text: string): string[] {
  return text.split('\n').flatMap((line, i) => OUTSIDE.filter(([, re]) => re.test(line)).map(([what]) => `${file}:${i + 1}: ${what}: ${line.trim().slice(0, 120)}`));
}

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? files(p) : /\.(ts|js|json)$/.test(d.name) ? [p] : [];
  });
}

test('no source the kit runs names a place outside its package (/work, ../shared, an absolute path)', () => {
  const all = DIRS.flatMap((d) => files(path.join(ROOT, d)));
  assert.ok(all.length > 100, `read the kit's sources (${all.length} files)`);
  const found = all.flatMap((f) => outsideReferences(path.relative(ROOT, f), fs.readFileSync(f, 'utf8')));
  assert.deepEqual(found, []);
});

test('the search finds what the kit used to do, and lets the documented Debian programs be', () => {
  const old = [
    "  [path.resolve(__dirname, '..', '..', '..', 'shared', 'fusionauth-openapi', 'openapi.yaml'), '/work/shared/fusionauth-openapi/openapi.yaml'].find((p) => fs.existsSync(p)) ??",
    " * Facts and their sources: /work/shared/seeds/oauth/STEPS.md",
    "const spec = fs.readFileSync('../shared/fusionauth-openapi/openapi.yaml');",
    "const dir = '/home/me/kit';",
    "const share = '/usr/share/loginflow';",
  ].join('\n');
  assert.deepEqual(outsideReferences('x.ts', old).map((l) => l.split(': ')[1]), [
    "this machine's /work",
    'the shared/ folder beside a checkout',
    'an absolute path',
    "this machine's /work",
    'the shared/ folder beside a checkout',
    'an absolute path',
    'an absolute path under /usr other than a Debian program',
  ]);
  assert.deepEqual(outsideReferences('x.ts', "const chromium = '/usr/bin/chromium';\nconst lib = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';\nfetch('/api/user/search');"), []);
});
