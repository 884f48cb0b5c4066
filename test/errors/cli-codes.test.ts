import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * On exit 2 the CLI prints the error's code next to its message (docs/error-codes.md), and
 * summary.json carries it, so a CI script can match on it rather than on the wording.
 */
const BIN = path.join(__dirname, '..', '..', 'bin', 'loginflow.js');

function loginflow(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 600_000, cwd: os.tmpdir() });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, stderr: r.stderr };
}

test('exit 2 prints the code: a missing config, an invalid one, a bad flag, an unknown command', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-codes-'));
  try {
    const missing = loginflow('run', '--config', path.join(dir, 'nope.json'));
    assert.equal(missing.code, 2, missing.out);
    // One line, from the one place errors become exit codes (harness/cli/main.ts).
    assert.match(missing.stderr, /^loginflow run: error \[CONFIG_NOT_FOUND\] .*nope\.json: cannot read config file[^\n]*\n$/);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"workflow": "webapp-sessions", "store": {"comand": ["x"]}}');
    const invalid = loginflow('run', '--config', bad);
    assert.equal(invalid.code, 2, invalid.out);
    assert.match(invalid.stderr, /\[CONFIG_INVALID\] [\s\S]*"store\.comand"/);
    const flag = loginflow('run', '--workflow', 'webapp-sessions', '--jobs', 'many');
    assert.equal(flag.code, 2, flag.out);
    assert.match(flag.stderr, /loginflow run: error \[INPUT_INVALID\] --jobs takes a whole number/);
    const variant = loginflow('run', '--workflow', 'webapp-sessions', '--variant', 'signing=ES256');
    assert.equal(variant.code, 2, variant.out);
    assert.match(variant.stderr, /error \[INPUT_INVALID\] --variant signing=ES256: signing must be one of HS256, RS256/);
    const command = loginflow('no-such-command');
    assert.equal(command.code, 2, command.out);
    assert.match(command.stderr, /loginflow: error \[INPUT_INVALID\] unknown command "no-such-command"/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a workflow that stops on a kit or config error: summary.json has kitErrorCode, the gate line names it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-codes-'));
  try {
    const r = loginflow('run', '--workflow', 'webapp-sessions', '--config', path.join(dir, 'nope.json'), '--reports', path.join(dir, 'reports'), '--no-render', '--quiet');
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /webapp-sessions: kit or config error \[CONFIG_NOT_FOUND\]: .*nope\.json: cannot read config file/);
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'reports', 'summary.json'), 'utf8'));
    assert.equal(summary.exitCode, 2);
    assert.equal(summary.workflows[0].kitErrorCode, 'CONFIG_NOT_FOUND');
    assert.match(summary.workflows[0].kitError, /nope\.json: cannot read config file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
