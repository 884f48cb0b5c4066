import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig } from '../../harness/backend';
import { argvOf, main, type InitIo } from '../../harness/cli/init';

const ROOT = path.resolve(__dirname, '..', '..');
// Under reports/ (ignored by git), never outside the project.
const DIR = path.join(ROOT, 'reports', 'test-runs', 'init');
fs.rmSync(DIR, { recursive: true, force: true });
fs.mkdirSync(DIR, { recursive: true });

/** Where each bundled reference runs, and the env that picks its role. */
const REFERENCES: Record<string, string> = {
  'webapp-jwt-cookies': 'backends/webapp-jwt-cookies',
  'webapp-sessions': 'backends/webapp-sessions/node',
  'spa-localstorage-jwt': 'backends/spa-localstorage-jwt',
};

function io(answers?: string[]): InitIo & { stdout: string[]; stderr: string[]; questions: string[] } {
  const r = { stdout: [] as string[], stderr: [] as string[], questions: [] as string[] };
  return {
    ...r,
    out: (l) => r.stdout.push(l),
    err: (l) => r.stderr.push(l),
    cwd: ROOT,
    ...(answers && {
      ask: async (q: string) => {
        r.questions.push(q);
        return answers.shift() ?? '';
      },
    }),
  };
}

function referenceFlags(workflow: string, out: string): string[] {
  return [
    '--workflow', workflow,
    '--store-command', 'node server.js', '--forums-command', 'node server.js',
    '--cwd', REFERENCES[workflow],
    '--store-env', 'APP_ROLE=store', '--forums-env', 'APP_ROLE=forums',
    '--out', path.relative(ROOT, out),
  ];
}

for (const workflow of Object.keys(REFERENCES)) {
  test(`init --workflow ${workflow} with every flag asks nothing and writes the reference's config`, async () => {
    const out = path.join(DIR, workflow, 'loginflow.json');
    const t = io(); // no ask: a question would be a failure
    assert.equal(await main(referenceFlags(workflow, out), t), 0, t.stderr.join('\n'));
    const mine = loadConfig(out);
    const ref = loadConfig(path.join(ROOT, 'backends', workflow, 'loginflow.json'));
    assert.equal(mine.workflow, workflow);
    for (const name of ['store', 'forums'] as const) {
      assert.deepEqual(mine[name]!.command, ref[name]!.command);
      assert.deepEqual(mine[name]!.env, ref[name]!.env);
      assert.equal(path.resolve(mine.configDir, mine[name]!.cwd ?? '.'), path.resolve(ref.configDir, ref[name]!.cwd ?? '.'));
    }
    assert.deepEqual(mine.fusionauth, ref.fusionauth, 'what the workflow needs of the double (spa: requireApiKey false)');
    const raw = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(path.resolve(path.dirname(out), raw.$schema), path.join(ROOT, 'harness', 'backend', 'loginflow.schema.json'), '$schema points at the kit schema');
    const printed = t.stdout.join('\n');
    assert.match(printed, /\/\/ How to start this backend/, 'each written field is explained');
    assert.match(printed, /\/\/ Working directory of the command/);
    assert.ok(printed.includes(`npx loginflow run --workflow ${workflow} --config ${path.relative(ROOT, out)}`), printed);
  });
}

test('the config init writes is one `loginflow run` accepts and passes (webapp-sessions reference)', async () => {
  const out = path.join(DIR, 'run', 'loginflow.json');
  assert.equal(await main(referenceFlags('webapp-sessions', out), io()), 0);
  const reports = path.join(DIR, 'run', 'reports');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'loginflow.js'), 'run', '--workflow', 'webapp-sessions', '--config', out, '--reports', reports, '--quiet', '--no-render'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
  assert.equal(code, 0, output);
});

test('without a terminal, a missing flag is exit 2 naming it (a real process, stdin not a TTY)', () => {
  const out = path.join(DIR, 'notty', 'loginflow.json');
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'loginflow.js'), 'init', '--workflow', 'webapp-jwt-cookies', '--store-url', 'http://127.0.0.1:3000', '--out', out], { cwd: ROOT, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input: '' });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /missing --forums-command CMD or --forums-url URL/);
  assert.match(r.stderr, /not a terminal/);
  assert.doesNotMatch(r.stderr.split('\n')[0], /--store-command CMD/, 'only what is missing is named');
  assert.equal(fs.existsSync(out), false);
});

test('without a terminal, a missing --workflow is named with the choices', async () => {
  const t = io();
  assert.equal(await main(['--store-url', 'http://127.0.0.1:1', '--forums-url', 'http://127.0.0.1:2', '--out', 'reports/test-runs/init/x/loginflow.json'], t), 2);
  assert.match(t.stderr.join('\n'), /missing --workflow <spa-localstorage-jwt\|webapp-jwt-cookies\|webapp-oauth-code-jwt-cookies\|webapp-oauth-code-sessions\|webapp-sessions>/);
});

test('an existing file is never overwritten without --force', async () => {
  const out = path.join(DIR, 'exists', 'loginflow.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, '{"mine": true}\n');
  const flags = ['--workflow', 'webapp-jwt-cookies', '--store-url', 'http://127.0.0.1:3000', '--forums-url', 'http://127.0.0.1:3001', '--out', out];
  const t = io(['should not be asked']);
  assert.equal(await main(flags.filter((f) => f !== '--forums-url' && f !== 'http://127.0.0.1:3001'), t), 2);
  assert.match(t.stderr.join('\n'), /already exists; not overwriting it \(add --force/);
  assert.equal(t.questions.length, 0, 'refused before asking anything');
  assert.equal(fs.readFileSync(out, 'utf8'), '{"mine": true}\n');
  assert.equal(await main([...flags, '--force'], io()), 0);
  assert.equal(loadConfig(out).store.url, 'http://127.0.0.1:3000');
});

test('on a terminal, init asks only for what the flags did not say', async () => {
  const out = path.join(DIR, 'ask', 'loginflow.json');
  const t = io(['2', 'python3 app.py', '']);
  assert.equal(await main(['--out', out, '--env-map', 'FA_BASE_URL=FUSIONAUTH_URL'], t), 0, t.stderr.join('\n'));
  // workflow, store, forums, then what the backend declares (login, variants): Enter keeps the defaults.
  assert.equal(t.questions.length, 5);
  assert.match(t.questions[0], /1\) spa-localstorage-jwt/);
  assert.match(t.questions[2], /\[python3 app.py\]/, 'the forums default to the store\'s answer');
  assert.match(t.questions[3], /How does a user log in\? .*\[form\]/);
  assert.match(t.questions[4], /Which variant values .* Enter for all of them/);
  assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(out, 'utf8'))).sort(), ['$schema', 'envMap', 'forums', 'store', 'workflow'], 'the defaults write no key');
  const c = loadConfig(out);
  assert.equal(c.workflow, 'webapp-jwt-cookies');
  assert.deepEqual(c.store.command, ['python3', 'app.py']);
  assert.deepEqual(c.forums!.command, ['python3', 'app.py']);
  assert.deepEqual(c.envMap, { FA_BASE_URL: 'FUSIONAUTH_URL' });

  const t2 = io(['http://127.0.0.1:8080']);
  const out2 = path.join(DIR, 'ask', 'url.json');
  assert.equal(await main(['--out', out2, '--workflow', 'webapp-sessions', '--store-command', 'npm start'], t2), 0);
  assert.equal(t2.questions.length, 4, 'forums, login, variants, session TTL');
  assert.match(t2.questions[3], /session lifetime in seconds, if it does not take SESSION_TTL_SECONDS/);
  assert.equal(loadConfig(out2).forums!.url, 'http://127.0.0.1:8080');
});

test('bad flags are exit 2 and write nothing', async () => {
  const out = 'reports/test-runs/init/bad/loginflow.json';
  const cases: [string[], RegExp][] = [
    [['--workflow', 'webapp-cookies', '--store-url', 'http://a:1', '--forums-url', 'http://b:1'], /unknown workflow "webapp-cookies"; expected one of: spa-localstorage-jwt, webapp-jwt-cookies, webapp-oauth-code-jwt-cookies, webapp-oauth-code-sessions, webapp-sessions/],
    [['--workflow', 'webapp-sessions', '--store-url', 'ftp://x', '--forums-url', 'http://b:1'], /store\.url is "ftp:\/\/x" \(string\); expected an http:\/\/ or https:\/\/ URL/],
    [['--workflow', 'webapp-sessions', '--store-url', 'http://a:1', '--store-command', 'x', '--forums-url', 'http://b:1'], /--store-command and --store-url are exclusive/],
    [['--workflow', 'webapp-sessions', '--store-command', 'x', '--forums-command', 'x', '--env-map', 'FA=FUSIONAUTH_URI'], /envMap\.FA is "FUSIONAUTH_URI".*FUSIONAUTH_URL/],
    [['--workflow', 'webapp-sessions', '--store-command', 'x', '--forums-command', 'x', '--store-env', 'NOVALUE'], /--store-env NOVALUE: expected NAME=VALUE/],
    [['--workflow', 'webapp-sessions', '--store-command', 'x', '--forums-command', 'x', '--cwd', 'no/such/dir'], /--cwd no\/such\/dir: no such directory/],
    [['--wrokflow', 'webapp-sessions'], /^loginflow init: error \[INPUT_INVALID\] unknown option --wrokflow \(did you mean --workflow\?\); see loginflow init --help$/],
  ];
  for (const [argv, message] of cases) {
    const t = io();
    assert.equal(await main([...argv, '--out', out], t), 2, argv.join(' '));
    assert.match(t.stderr.join('\n'), message);
    assert.equal(fs.existsSync(path.join(ROOT, out)), false);
  }
});

test('plain commands become argv, anything needing a shell stays a string', () => {
  assert.deepEqual(argvOf('python3 -u server.py'), ['python3', '-u', 'server.py']);
  assert.deepEqual(argvOf('  node   dist/main.js --port=0 '), ['node', 'dist/main.js', '--port=0']);
  assert.equal(argvOf('FOO=$BAR node x.js'), 'FOO=$BAR node x.js');
  assert.equal(argvOf('npm run build && npm start'), 'npm run build && npm start');
  assert.equal(argvOf("python3 -c 'print(1)'"), "python3 -c 'print(1)'");
});

test('init declares variants and a session TTL by flag or on a terminal, writing only what differs from the defaults', async () => {
  const out = path.join(DIR, 'declare', 'flags.json');
  const flags = ['--workflow', 'webapp-jwt-cookies', '--store-url', 'http://127.0.0.1:3000', '--forums-url', 'http://127.0.0.1:3001', '--out', out, '--force'];
  assert.equal(await main([...flags, '--variant', 'signing=RS256', '--variant', 'refreshEndpoint=/api/jwt/refresh,/oauth2/token', '--variant', 'refreshFailureStatus=404'], io()), 0);
  const c = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.deepEqual(c.variants, { signing: ['RS256'], refreshFailureStatus: [404] }, 'a variant declared with all its values is the default: not written');
  assert.deepEqual(loadConfig(out).variants, { signing: ['RS256'], refreshFailureStatus: [404] }, 'run reads it back');
  assert.ok(!('sessionTtlSeconds' in c) && !('login' in c.store));

  const ttl = path.join(DIR, 'declare', 'ttl.json');
  const t = io(['', '', '30']);
  assert.equal(await main(['--workflow', 'webapp-sessions', '--store-url', 'http://127.0.0.1:3000', '--forums-url', 'http://127.0.0.1:3001', '--out', ttl, '--force'], t), 0, t.stderr.join('\n'));
  assert.equal(JSON.parse(fs.readFileSync(ttl, 'utf8')).sessionTtlSeconds, 30);
  assert.equal(await main(['--workflow', 'webapp-sessions', '--store-url', 'http://127.0.0.1:3000', '--forums-url', 'http://127.0.0.1:3001', '--out', ttl, '--force', '--session-ttl', '5'], io()), 0);
  assert.equal(loadConfig(ttl).sessionTtlSeconds, 5);

  for (const [extra, re] of [
    [['--variant', 'signing=ES256'], /--variant signing=ES256: signing takes HS256, RS256/],
    [['--variant', 'colour=red'], /--variant colour=red: expected NAME=VALUE\[,VALUE\] with NAME one of signing/],
    [['--session-ttl', '0'], /--session-ttl 0: expected whole seconds/],
    [['--login', 'json'], /--login json needs --login-path PATH/],
    [['--login-path', 'api/login'], /--login-path api\/login: expected a path starting with \//],
    [['--login-fields', 'email,pass'], /describe a JSON login: add --login json/],
  ] as [string[], RegExp][]) {
    const e = io();
    assert.equal(await main([...flags, ...extra], e), 2, extra.join(' '));
    assert.match(e.stderr.join('\n'), re);
  }
});

test('init declares a JSON login and a single application (--login json, --single-app, or "none" for the forums)', async () => {
  const out = path.join(DIR, 'declare', 'json.json');
  const flags = ['--workflow', 'webapp-sessions', '--store-url', 'http://127.0.0.1:3000', '--out', out, '--force'];
  assert.equal(await main([...flags, '--single-app', '--login', 'json', '--login-path', '/api/login', '--login-fields', 'email,pass'], io()), 0);
  const c = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.deepEqual(c.store.login, { mode: 'json', path: '/api/login', fields: { loginId: 'email', password: 'pass' } });
  assert.ok(!('forums' in c), 'a single app: no forums');
  const t = io(['none', 'json /session']);
  assert.equal(await main([...flags], t), 0, t.stderr.join('\n'));
  const d = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.deepEqual(d.store.login, { mode: 'json', path: '/session' }, 'default field names are not written');
  assert.ok(!('forums' in d));
});
