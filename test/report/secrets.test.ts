import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../../harness/cli/run';
import { FusionAuthDouble, seededDirectory } from '../../harness/fusionauth';
import { fingerprint } from '../../harness/trace';

/**
 * Secrets redacted everywhere, on a FAILING run (where evidence is written in full): a
 * recognisable secret of each kind is planted (the user's password, the API key, the
 * client secrets, a session-id prefix, a cookie value the backend sets) and the JWTs and
 * refresh tokens the double issued are collected; none may appear in the console,
 * summary.json, verdicts.json, the .puml diagrams, index.html or junit.xml.
 *
 * The mutant `tokens-in-cookies` of the sessions backend puts the FusionAuth tokens in
 * cookies, so the failing MUST's evidence is full of them.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'reports', 'test-runs', 'secrets');
const REPORTS = path.join(OUT, 'reports');

const PLANTED = {
  password: 'PLANTEDpw-Xq7!zz',
  apiKey: 'PLANTEDapikey-0123456789abcdefgh',
  storeClientSecret: 'PLANTEDstoresecret-0123456789abcd',
  forumsClientSecret: 'PLANTEDforumssecret-0123456789abc',
  hmacSecret: 'PLANTEDhmac-0123456789abcdef0123456789abcdef',
  sessionIdPrefix: 'PLANTEDsid',
  cookieValue: 'PLANTEDcookievalueQ9',
};

function plantedConfig(): string {
  const directory = seededDirectory();
  directory.apiKey = PLANTED.apiKey;
  directory.hmacSecret = PLANTED.hmacSecret;
  directory.applications.store.clientSecret = PLANTED.storeClientSecret;
  directory.applications.forums.clientSecret = PLANTED.forumsClientSecret;
  directory.users.find((u) => u.email === 'alice@example.com')!.password = PLANTED.password;
  const env = (role: string) => ({ APP_ROLE: role, LOGINFLOW_MUTANT: 'tokens-in-cookies', SESSION_ID_PREFIX: PLANTED.sessionIdPrefix, EXTRA_COOKIE: `prefs=${PLANTED.cookieValue}` });
  const cwd = path.join(ROOT, 'backends', 'webapp-sessions', 'node');
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'planted.json');
  fs.writeFileSync(
    file,
    JSON.stringify({ workflow: 'webapp-sessions', sessionTtlSeconds: 1, fusionauth: { directory }, store: { command: ['node', 'server.js'], cwd, env: env('store') }, forums: { command: ['node', 'server.js'], cwd, env: env('forums') } }, null, 2),
  );
  return file;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

/** Run `loginflow run` in this process, capturing everything it prints and every double it starts. */
async function run(argv: string[]): Promise<{ code: number; console: string; doubles: FusionAuthDouble[] }> {
  const doubles: FusionAuthDouble[] = [];
  const start = FusionAuthDouble.start;
  FusionAuthDouble.start = async (...a: Parameters<typeof FusionAuthDouble.start>) => {
    const d = await start.apply(FusionAuthDouble, a);
    doubles.push(d);
    return d;
  };
  const out: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const log = console.log;
  const error = console.error;
  const capture = (chunk: unknown) => {
    out.push(String(chunk));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  console.log = (...a: unknown[]) => out.push(a.join(' ') + '\n');
  console.error = (...a: unknown[]) => out.push(a.join(' ') + '\n');
  try {
    const code = await main(argv);
    return { code, console: out.join(''), doubles };
  } finally {
    process.stdout.write = write;
    process.stderr.write = writeErr;
    console.log = log;
    console.error = error;
    FusionAuthDouble.start = start;
  }
}

test('no planted secret, JWT, refresh token, session id or cookie value is in the console or any report file of a failing run', async () => {
  fs.rmSync(REPORTS, { recursive: true, force: true });
  // Not --quiet: every step, every failure and the verdict table are printed.
  const r = await run(['--workflow', 'webapp-sessions', '--config', plantedConfig(), '--reports', REPORTS, '--no-render']);
  assert.equal(r.code, 1, r.console);
  assert.match(r.console, /WS-9\.tokens-not-in-browser/, 'the mutant failed, with its evidence printed');
  const issued = r.doubles.flatMap((d) => [...d.issued().jwts, ...d.issued().refreshTokens]);
  assert.ok(issued.length > 10, `the double issued tokens (${issued.length})`);

  const files = walk(REPORTS);
  for (const name of ['summary.json', 'junit.xml', 'index.html', 'webapp-sessions/verdicts.json', 'webapp-sessions/_stitched.puml']) assert.ok(files.includes(path.join(REPORTS, name)), name);
  assert.ok(files.filter((f) => f.endsWith('.puml')).length > 5);
  const outputs: [string, string][] = [['the console', r.console], ...files.map((f): [string, string] => [path.relative(REPORTS, f), fs.readFileSync(f, 'utf8')])];

  const secrets: [string, string][] = [
    ['password', PLANTED.password],
    ['API key', PLANTED.apiKey],
    ['store client secret', PLANTED.storeClientSecret],
    ['forums client secret', PLANTED.forumsClientSecret],
    ['HMAC secret', PLANTED.hmacSecret],
    ['cookie value', PLANTED.cookieValue],
    ...issued.map((t): [string, string] => ['token', t]),
  ];
  for (const [where, text] of outputs) {
    for (const [kind, secret] of secrets) assert.ok(!text.includes(secret), `a ${kind} (${fingerprint(secret)}) in full in ${where}`);
    // Session ids: the planted prefix followed by the random part, never whole.
    const sid = new RegExp(`${PLANTED.sessionIdPrefix}[A-Za-z0-9_-]{20,}`).exec(text);
    assert.equal(sid, null, `a session id in full in ${where}: ${sid?.[0].slice(0, 16)}…`);
    assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, `a JWT in ${where}`);
  }
  // They were there to leak: shown shortened, a prefix and a fingerprint (e.g. sid=PLANTE…#1a2b3c).
  const report = outputs.map(([, t]) => t).join('\n');
  assert.match(report, /sid=PLANTE…#[0-9a-f]{6}/, 'the session id is shown fingerprinted');
  assert.match(report, /prefs=PLANTE…#[0-9a-f]{6}/, 'the cookie value is shown fingerprinted');
  assert.match(report, /fa_rt=[\w-]{6}…#[0-9a-f]{6}/, 'the refresh token cookie is shown fingerprinted');
});
