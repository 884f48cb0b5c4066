import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runMatrix } from '../../harness/runner';
import { runKit } from './kit-run';

/**
 * A variant declared with one value is in force for the whole run, exactly like a value
 * picked from a longer list; a scenario that cannot apply to it is skipped with the reason
 * (a not-applicable verdict), not failed.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const WJC = path.join(ROOT, 'backends', 'webapp-jwt-cookies');
const OUT = path.join(ROOT, 'reports', 'test-runs', 'variants');

function singleValueConfig(): string {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, 'oauth2-token-only.json');
  fs.writeFileSync(
    file,
    JSON.stringify({
      workflow: 'webapp-jwt-cookies',
      store: { command: ['node', 'server.js'], cwd: WJC, env: { APP_ROLE: 'store' } },
      forums: { command: ['node', 'server.js'], cwd: WJC, env: { APP_ROLE: 'forums' } },
      variants: { signing: ['HS256'], refreshEndpoint: ['/oauth2/token'], refreshTokenPolicy: ['OneTimeUse'] },
    }),
  );
  return file;
}

test('the matrix: a single declared value is put in force, an outline variant with several values stays in the feature', () => {
  const file = singleValueConfig();
  assert.deepEqual(runMatrix(file, {}), [{ signing: 'HS256', refreshEndpoint: '/oauth2/token', refreshTokenPolicy: 'OneTimeUse' }]);
  assert.deepEqual(runMatrix(path.join(WJC, 'loginflow.json'), { signing: 'RS256' }).map((c) => c.refreshEndpoint), ['/api/jwt/refresh', '/oauth2/token']);
  assert.ok(runMatrix(path.join(WJC, 'loginflow.json'), {}).every((c) => !('refreshFailureStatus' in c)), 'two declared statuses are the outline examples');
});

test('refreshEndpoint declared as ["/oauth2/token"] alone: the backend refreshes there, and the 404 refresh failure is skipped with its reason', async () => {
  const r = await runKit('webapp-jwt-cookies', singleValueConfig(), 'single-value');
  assert.equal(r.code, 0, r.output);
  const scenarios = r.summary.workflows[0].scenarios;
  const verdicts = scenarios.flatMap((s: any) => s.verdicts);
  assert.ok(verdicts.every((v: any) => v.variant?.refreshEndpoint === '/oauth2/token' && v.variant?.refreshTokenPolicy === 'OneTimeUse'), 'every verdict names the variant in force');
  const refreshes = verdicts.filter((v: any) => v.id === 'WJC-12.refresh-called' && v.result === 'pass');
  assert.ok(refreshes.length >= 1 && refreshes.every((v: any) => /^POST \/oauth2\/token /.test(v.actual)), 'refreshed at /oauth2/token');

  const skipped = scenarios.filter((s: any) => s.status === 'SKIPPED');
  const names = skipped.map((s: any) => s.name).sort();
  assert.deepEqual(names, ['An expired JWT is refreshed with the refresh token (Reusable refresh tokens)', 'An expired refresh token sends the user back to the login page (FusionAuth answers 404)'], r.output);
  const why404 = skipped.find((s: any) => /404/.test(s.name)).verdicts.find((v: any) => v.result === 'na');
  assert.equal(why404.id, 'WJC.variant-applies');
  assert.match(why404.reason, /404 refresh failure is an \/api\/jwt\/refresh behaviour/);
  assert.ok(!scenarios.some((s: any) => s.status === 'FAILED'), r.output);
  const junit = fs.readFileSync(path.join(ROOT, 'reports', 'test-runs', 'webapp-jwt-cookies', 'single-value', 'junit.xml'), 'utf8');
  assert.match(junit, /<skipped message="a 404 refresh failure is an \/api\/jwt\/refresh behaviour/);
  assert.match(junit, /skipped="2"/);
});
