import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CommandSpec, helpText } from '../../harness/cli/command-line';
import { commands, main } from '../../harness/cli/main';

const ROOT = path.resolve(__dirname, '..', '..');
const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version as string;

/** `loginflow ...argv` in this process: its exit code and what it printed. */
async function loginflow(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error };
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    Object.assign(console, saved);
  }
}

/** The option table a command's module parses its flags with. */
function specOf(name: string): CommandSpec {
  const mod = commands[name].load() as unknown as Record<string, unknown>;
  const spec = Object.values(mod).find((v): v is CommandSpec => !!v && typeof v === 'object' && (v as CommandSpec).name === name && 'options' in (v as object));
  assert.ok(spec, `${name} exports its option table`);
  return spec;
}

test('every command of the command table has --help, written from the option table its parser uses, exit 0', async () => {
  assert.deepEqual(Object.keys(commands).sort(), ['bench', 'check-spec', 'checks', 'fusionauth', 'init', 'run']);
  for (const name of Object.keys(commands)) {
    const spec = specOf(name);
    const r = await loginflow(name, '--help');
    assert.equal(r.code, 0, `${name} --help: ${r.err}`);
    assert.equal(r.out, helpText(spec), `${name}: the help is the table's`);
    assert.match(r.out, new RegExp(`^usage: loginflow ${name} `));
    for (const option of [...Object.keys(spec.options), 'help', 'version']) assert.match(r.out, new RegExp(`--${option}\\b`), `${name} --help lists --${option}`);
    assert.equal((await loginflow(name, '-h')).out, r.out, `${name} -h`);
    assert.equal((await loginflow('help', name)).out, r.out, `loginflow help ${name}`);
  }
});

test('--version, alone or after any command, prints the package\'s version, exit 0', async () => {
  assert.deepEqual(await loginflow('--version'), { code: 0, out: `loginflow ${VERSION}`, err: '' });
  for (const name of Object.keys(commands)) assert.deepEqual(await loginflow(name, '--version'), { code: 0, out: `loginflow ${VERSION}`, err: '' }, name);
});

test('an unknown option is exit 2 and one line naming it and the command\'s help, on every command', async () => {
  for (const name of Object.keys(commands)) {
    const r = await loginflow(name, '--no-such-flag');
    assert.equal(r.code, 2, name);
    assert.equal(r.err, `loginflow ${name}: error [INPUT_INVALID] unknown option --no-such-flag; see loginflow ${name} --help`);
    assert.equal(r.out, '');
  }
  const near = await loginflow('run', '--workfow', 'webapp-sessions');
  assert.equal(near.err, 'loginflow run: error [INPUT_INVALID] unknown option --workfow (did you mean --workflow?); see loginflow run --help');
  const positional = await loginflow('checks', 'webapp-sessions');
  assert.equal(positional.err, 'loginflow checks: error [INPUT_INVALID] unexpected argument "webapp-sessions": loginflow checks takes options only; see loginflow checks --help');
  const missing = await loginflow('run', '--workflow');
  assert.equal(missing.code, 2);
  assert.equal(missing.err, 'loginflow run: error [INPUT_INVALID] --workflow needs a value (--workflow W); see loginflow run --help');
  assert.equal((await loginflow('run', '--all=yes')).err, 'loginflow run: error [INPUT_INVALID] --all takes no value; see loginflow run --help');
});

test('check-spec --help and bench --help, as a user types them, print their help and no stack trace', () => {
  for (const name of ['check-spec', 'bench']) {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'loginflow.js'), name, '--help'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^usage: loginflow ${name} `));
    assert.equal(r.stderr, '');
    assert.doesNotMatch(r.stdout, /\n\s+at /);
  }
});
