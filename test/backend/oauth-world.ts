import assert from 'node:assert/strict';
import * as path from 'node:path';
import { FusionAuthDouble, type Relay } from '../../harness/fusionauth';
import { doubleOptionsFrom } from '../../harness/fusionauth/config-section';
import { loadConfig, startTarget, type StartedTarget, type LoadedConfig } from '../../harness/backend';
import { Actor, ChromiumActor, parseForms, type HttpResult } from '../../harness/browser';

/**
 * The OAuth reference backends (or a mutant) started against a FusionAuth double, with the
 * kit's HTTP browser wired to them: what the backend tests of the OAuth workflows walk
 * (oauth-references.test.ts, oauth-review-mutants.test.ts), without the workflows' features.
 */
const ROOT = path.join(__dirname, '..', '..', 'backends');
export const FA = 'auth.example.test';

export interface World {
  d: FusionAuthDouble;
  chromium(): Promise<ChromiumActor>;
  apps: Record<'store' | 'forums', StartedTarget>;
  relays: Relay[];
  browser(name?: string): Actor;
  stop(): Promise<void>;
}

export async function startWorld(configFile: string, env: Record<string, string> = {}): Promise<World> {
  const cfg: LoadedConfig = loadConfig(path.join(ROOT, configFile));
  const d = await FusionAuthDouble.start(doubleOptionsFrom(cfg.fusionauth));
  const relays: Relay[] = [];
  const apps = {} as World['apps'];
  const browserRelays: Record<string, Relay> = {};
  try {
    for (const name of ['store', 'forums'] as const) {
      const relay = await d.relay(name === 'store' ? 'Store' : 'Forums');
      relays.push(relay);
      const app = d.directory.applications[name];
      const t = cfg[name]!;
      apps[name] = await startTarget(name, { ...t, env: { ...t.env, ...env } }, {
        FUSIONAUTH_URL: relay.url,
        FUSIONAUTH_API_KEY: d.directory.apiKey,
        FUSIONAUTH_APPLICATION_ID: app.id,
        FUSIONAUTH_CLIENT_SECRET: app.clientSecret,
        FUSIONAUTH_JWT_HMAC_SECRET: d.directory.hmacSecret,
        FUSIONAUTH_ISSUER: d.options.issuer,
        FUSIONAUTH_PUBLIC_URL: `http://${FA}`,
        FUSIONAUTH_REFRESH_ENDPOINT: '',
        PUBLIC_HOST: `${name}.example.test`,
        SESSION_TTL_SECONDS: '1800',
      }, { configDir: cfg.configDir });
    }
    for (const who of ['Browser', 'Hacker']) {
      browserRelays[who] = await d.relay(who);
      relays.push(browserRelays[who]);
    }
  } catch (e) {
    for (const a of Object.values(apps)) await a.stop();
    await d.close();
    throw e;
  }
  return {
    d,
    apps,
    relays,
    browser: (name = 'Browser') =>
      new Actor({
        name,
        hosts: { 'store.example.test': apps.store.origin, 'forums.example.test': apps.forums.origin, [FA]: browserRelays[name].url },
        participants: { 'store.example.test': 'Store', 'forums.example.test': 'Forums', [FA]: 'FusionAuth' },
        unrecordedHosts: [FA],
        journal: d.journal,
      }),
    chromium: () =>
      ChromiumActor.launch({
        hosts: { 'store.example.test': apps.store.origin, 'forums.example.test': apps.forums.origin, [FA]: browserRelays.Browser.url },
        participants: { 'store.example.test': 'Store', 'forums.example.test': 'Forums', [FA]: 'FusionAuth' },
        unrecordedHosts: [FA],
        journal: d.journal,
      }),
    async stop() {
      await Promise.all(Object.values(apps).map((a) => a.stop()));
      await d.close();
    },
  };
}

export const last = (chain: HttpResult[]) => chain[chain.length - 1];

/** /login → FusionAuth's form → filled and posted → the chain back to the app. */
export async function login(b: Actor, host: string, user = 'alice@example.com', remember = true): Promise<{ form: HttpResult; after: HttpResult[] }> {
  const toForm = await b.navigate(`http://${host}/login`);
  const form = last(toForm);
  assert.equal(new URL(form.url).host, FA, `the app sends the browser to FusionAuth: ${toForm.map((r) => `${r.status} ${r.url}`).join(' → ')}`);
  assert.equal(form.status, 200, form.body);
  const [f] = parseForms(form.body, form.url);
  const values: Record<string, string> = { loginId: user, password: 'password' };
  if (remember) values.rememberDevice = 'true';
  const posted = await b.submitForm(f, values, { allowExtra: true });
  return { form, after: await b.follow(posted) };
}

