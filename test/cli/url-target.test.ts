import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePort, portAnswers } from '../../harness/backend/launcher';
import { SEEDED_DIRECTORY } from '../../harness/fusionauth';
import { runKit } from '../workflows/kit-run';

/**
 * A backend the kit does not start (`url` in the config): started here by hand with the
 * double's fixed values and FUSIONAUTH_URL on the port the config names, as a team would
 * run its own backend. The kit tells the store's and the forums' calls apart by application.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SERVER = path.join(ROOT, 'backends', 'webapp-jwt-cookies', 'server.js');

async function start(role: 'store' | 'forums', port: number, faPort: number): Promise<ChildProcess> {
  const app = SEEDED_DIRECTORY.applications[role];
  const child = spawn(process.execPath, [SERVER], {
    env: {
      ...process.env,
      APP_ROLE: role, PORT: String(port), HOST: '127.0.0.1', PUBLIC_HOST: `${role}.example.test`,
      FUSIONAUTH_URL: `http://127.0.0.1:${faPort}`, FUSIONAUTH_API_KEY: SEEDED_DIRECTORY.apiKey, FUSIONAUTH_APPLICATION_ID: app.id,
      FUSIONAUTH_CLIENT_SECRET: app.clientSecret, FUSIONAUTH_JWT_HMAC_SECRET: SEEDED_DIRECTORY.hmacSecret, FUSIONAUTH_ISSUER: 'acme.com',
    },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  while (!(await portAnswers(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return child;
}

test('backends given by url, configured by hand, are checked like started ones', async () => {
  const [storePort, forumsPort, faPort] = [await freePort(), await freePort(), await freePort()];
  const store = await start('store', storePort, faPort);
  const forums = await start('forums', forumsPort, faPort);
  try {
    const dir = path.join(ROOT, 'reports', 'test-runs', 'url-target');
    fs.mkdirSync(dir, { recursive: true });
    const cfg = path.join(dir, 'loginflow.json');
    fs.writeFileSync(cfg, JSON.stringify({
      workflow: 'webapp-jwt-cookies',
      fusionauth: { port: faPort },
      store: { url: `http://127.0.0.1:${storePort}` },
      forums: { url: `http://127.0.0.1:${forumsPort}` },
    }));
    const r = await runKit('webapp-jwt-cookies', cfg, 'url-target');
    assert.equal(r.code, 0, r.output);
    const exchanges = r.summary.workflows[0].scenarios.flatMap((s: any) => s.verdicts).filter((v: any) => v.id === 'WJC-25.login-called');
    assert.equal(exchanges.length, 1, 'the forums login was attributed to the forums');
  } finally {
    store.kill();
    forums.kill();
  }
});
