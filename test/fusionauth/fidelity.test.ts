import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as jose from 'jose';
import { createHash } from 'node:crypto';
import { FusionAuthDouble, SEEDED_DIRECTORY, type Relay } from '../../harness/fusionauth';

/**
 * Keeps docs/fusionauth-fidelity.md true: every row's "double's answer" is what a probe of the
 * double answers today, every behaviour probed here has a row, and every row that does not
 * match FusionAuth is listed under "Remaining divergences".
 */
const DOC = path.join(__dirname, '..', '..', 'docs', 'fusionauth-fidelity.md');
const KEY = SEEDED_DIRECTORY.apiKey;
const STORE = SEEDED_DIRECTORY.applications.store;
const FORUMS = SEEDED_DIRECTORY.applications.forums;
const SPA = 'http://store.example.test';

interface Row {
  id: string;
  double: string;
  fusionauth: string;
  source: string;
  match: string;
}

function rows(md: string): Row[] {
  const out: Row[] = [];
  for (const line of md.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 6 || !/^`[a-z0-9-]+`$/.test(cells[0])) continue;
    out.push({ id: cells[0].slice(1, -1), double: cells[2].replace(/`/g, ''), fusionauth: cells[3], source: cells[4], match: cells[5] });
  }
  return out;
}

let d: FusionAuthDouble;
let relay: Relay;
before(async () => {
  d = await FusionAuthDouble.start();
  relay = await d.relay('Backend');
});
after(() => d.close());

async function send(method: string, p: string, o: { headers?: Record<string, string>; json?: unknown; form?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  let body: string | undefined;
  if (o.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(o.json);
  } else if (o.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(o.form).toString();
  }
  const r = await fetch(relay.url + p, { method, headers, body, redirect: 'manual' });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    /* empty or text */
  }
  return { status: r.status, headers: r.headers, text, json, cookies: r.headers.getSetCookie() };
}

const login = (loginId: string, applicationId: string | null = STORE.id, key: string | null = KEY) =>
  send('POST', '/api/login', { json: { loginId, password: 'password', ...(applicationId ? { applicationId } : {}) }, headers: key ? { authorization: key } : {} });
const preflight = (origin: string, headers = 'content-type') =>
  send('OPTIONS', '/api/login', { headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': headers } });
const claims = (jwt: unknown) => jose.decodeJwt(String(jwt));
const cookieOf = (cookies: string[], name: string) => cookies.find((c) => c.startsWith(`${name}=`)) ?? '';
const oauth = (r: { status: number; json: Record<string, unknown> }) => `${r.status} ${r.json.error} ${r.json.error_reason}`;
const withCors = async <T>(fn: () => Promise<T>): Promise<T> => {
  d.setOptions({ cors: { allowedOrigins: [SPA], allowCredentials: true, allowedMethods: ['GET', 'POST', 'OPTIONS'], allowedHeaders: ['Accept', 'Content-Type'] } });
  try {
    return await fn();
  } finally {
    d.setOptions({ cors: null });
  }
};

/** One probe per row: what the double answers, in the words of the row's "double's answer" cell. */
const PROBES: Record<string, () => Promise<string>> = {
  'cors-default-preflight': async () => String((await preflight(SPA)).status),
  'cors-default-actual': async () => {
    const r = await send('GET', '/.well-known/jwks.json', { headers: { origin: SPA } });
    return `${r.status}, no Access-Control-Allow-Origin: ${r.headers.get('access-control-allow-origin') === null}`;
  },
  'cors-allowed-preflight': () =>
    withCors(async () => {
      const r = await preflight(SPA);
      return `${r.status} ACAO=${r.headers.get('access-control-allow-origin')} ACAC=${r.headers.get('access-control-allow-credentials')}`;
    }),
  'cors-foreign-origin': () => withCors(async () => `${(await preflight('http://evil.example.net')).status}`),
  'cors-header-not-allowed': () => withCors(async () => `${(await preflight(SPA, 'content-type,x-client-version')).status}`),
  'cors-foreign-actual': () => withCors(async () => `${(await send('GET', '/.well-known/jwks.json', { headers: { origin: 'http://evil.example.net' } })).status}`),
  'login-no-key-with-app': async () => `${(await login('alice@example.com', STORE.id, null)).status}`,
  'login-no-key-no-app': async () => `${(await login('alice@example.com', null, null)).status}`,
  'login-token-claims': async () => {
    const c = claims((await login('alice@example.com')).json.token);
    return `sid: ${typeof c.sid === 'string'}, scope: ${c.scope === undefined ? 'absent' : 'present'}`;
  },
  'login-202-aud': async () => {
    const r = await login('notregistered@example.com');
    const c = claims(r.json.token);
    return `${r.status} aud=${c.aud === STORE.id ? 'application' : c.aud} applicationId=${c.applicationId ?? 'absent'} refreshToken=${r.json.refreshToken === undefined ? 'absent' : 'present'}`;
  },
  'login-212-213-tokens': async () => {
    const a = await login('unverified@example.com');
    const b = await login('unverifiedregistration@example.com');
    return `${a.status} token=${typeof a.json.token === 'string'}, ${b.status} token=${typeof b.json.token === 'string'}`;
  },
  'cookie-access-token': async () => {
    const c = cookieOf((await login('alice@example.com')).cookies, 'access_token');
    return /Max-Age|Expires/i.test(c) ? 'persistent' : 'session cookie (no Max-Age, no Expires)';
  },
  'cookie-refresh-token': async () => {
    const l = await login('alice@example.com');
    const r = await send('POST', '/api/jwt/refresh', { json: { refreshToken: l.json.refreshToken } });
    const ok = (c: string) => /Max-Age=2592000; Expires=/.test(c);
    return `login: ${ok(cookieOf(l.cookies, 'refresh_token'))}, refresh: ${ok(cookieOf(r.cookies, 'refresh_token'))}`;
  },
  'onetimeuse-refresh-token-id': async () => {
    d.setOptions({ refreshTokenPolicy: 'OneTimeUse' });
    try {
      const l = await login('alice@example.com');
      const r = await send('POST', '/api/jwt/refresh', { json: { refreshToken: l.json.refreshToken } });
      return `new value: ${r.json.refreshToken !== l.json.refreshToken}, same refreshTokenId: ${r.json.refreshTokenId === l.json.refreshTokenId}`;
    } finally {
      d.setOptions({ refreshTokenPolicy: 'Reusable' });
    }
  },
  'refresh-revoked': async () => {
    const rt = String((await login('alice@example.com')).json.refreshToken);
    await send('DELETE', `/api/jwt/refresh?token=${encodeURIComponent(rt)}`, { headers: { authorization: KEY } });
    const r = await send('POST', '/api/jwt/refresh', { json: { refreshToken: rt } });
    return `${r.status} ${(r.json.fieldErrors as Record<string, { code: string }[]>).refreshToken[0].code}`;
  },
  'oauth-no-secret': async () => {
    const rt = String((await login('alice@example.com', FORUMS.id)).json.refreshToken);
    return oauth(await send('POST', '/oauth2/token', { form: { grant_type: 'refresh_token', refresh_token: rt, client_id: FORUMS.id } }));
  },
  'oauth-wrong-secret': async () => {
    const rt = String((await login('alice@example.com', FORUMS.id)).json.refreshToken);
    return oauth(await send('POST', '/oauth2/token', { form: { grant_type: 'refresh_token', refresh_token: rt, client_id: FORUMS.id, client_secret: 'wrong' } }));
  },
  'oauth-basic-and-body': async () => {
    const rt = String((await login('alice@example.com', FORUMS.id)).json.refreshToken);
    const basic = await send('POST', '/oauth2/token', { form: { grant_type: 'refresh_token', refresh_token: rt }, headers: { authorization: `Basic ${Buffer.from(`${FORUMS.id}:${FORUMS.clientSecret}`).toString('base64')}` } });
    const body = await send('POST', '/oauth2/token', { form: { grant_type: 'refresh_token', refresh_token: rt, client_id: FORUMS.id, client_secret: FORUMS.clientSecret } });
    return `Basic ${basic.status}, body ${body.status}`;
  },
  'oauth-refresh-fields': async () => {
    const rt = String((await login('alice@example.com', FORUMS.id)).json.refreshToken);
    const r = await send('POST', '/oauth2/token', { form: { grant_type: 'refresh_token', refresh_token: rt, client_id: FORUMS.id, client_secret: FORUMS.clientSecret } });
    return Object.keys(r.json).sort().join(' ');
  },
  'oauth-error-reasons': async () => {
    const r = await send('POST', '/oauth2/token', { form: { grant_type: 'refresh_token', refresh_token: 'nope', client_id: FORUMS.id, client_secret: FORUMS.clientSecret } });
    return oauth(r);
  },
  discovery: async () => {
    const r = await send('GET', '/.well-known/openid-configuration');
    return `${r.status} token_endpoint=${r.json.token_endpoint === `${relay.url}/oauth2/token` ? 'request host' : r.json.token_endpoint}`;
  },
  logout: async () => {
    const l = await login('bob@example.com');
    const r = await send('POST', '/api/logout', { headers: { cookie: `refresh_token=${l.json.refreshToken}` } });
    const cleared = ['access_token', 'refresh_token'].every((n) => /Max-Age=0/.test(cookieOf(r.cookies, n)));
    const after = await send('POST', '/api/jwt/refresh', { json: { refreshToken: l.json.refreshToken } });
    return `${r.status}, cookies cleared: ${cleared}, refresh afterwards ${after.status}`;
  },
  'revoke-by-user-and-app': async () => {
    const a = String((await login('bob@example.com', STORE.id)).json.refreshToken);
    const b = String((await login('bob@example.com', FORUMS.id)).json.refreshToken);
    const byApp = await send('DELETE', `/api/jwt/refresh?applicationId=${FORUMS.id}`, { headers: { authorization: KEY } });
    const afterApp = [await send('POST', '/api/jwt/refresh', { json: { refreshToken: a } }), await send('POST', '/api/jwt/refresh', { json: { refreshToken: b } })].map((x) => x.status);
    const byUser = await send('DELETE', `/api/jwt/refresh?userId=22222222-2222-4222-8222-222222222222`, { headers: { authorization: KEY } });
    const afterUser = (await send('POST', '/api/jwt/refresh', { json: { refreshToken: a } })).status;
    const noKey = await send('DELETE', `/api/jwt/refresh?userId=22222222-2222-4222-8222-222222222222`);
    return `by application ${byApp.status} (store ${afterApp[0]}, forums ${afterApp[1]}), by user ${byUser.status} (store ${afterUser}), without API key ${noKey.status}`;
  },
  userinfo: async () => {
    const jwt = String((await login('alice@example.com')).json.token);
    const ok = await send('GET', '/oauth2/userinfo', { headers: { authorization: `Bearer ${jwt}` } });
    const bad = await send('GET', '/oauth2/userinfo', { headers: { authorization: 'Bearer nope' } });
    return `${ok.status} sub=${ok.json.sub === '11111111-1111-4111-8111-111111111111' ? 'user id' : ok.json.sub}; bad token ${oauth(bad)}`;
  },
  'user-by-jwt': async () => {
    const jwt = String((await login('alice@example.com')).json.token);
    const r = await send('GET', '/api/user', { headers: { authorization: `Bearer ${jwt}` } });
    const none = await send('GET', '/api/user');
    return `${r.status} {user}; without credentials ${none.status}`;
  },
  'validate-schemes': async () => {
    const jwt = String((await login('alice@example.com')).json.token);
    const b = await send('GET', '/api/jwt/validate', { headers: { authorization: `Bearer ${jwt}` } });
    const j = await send('GET', '/api/jwt/validate', { headers: { authorization: `JWT ${jwt}` } });
    const c = await send('GET', '/api/jwt/validate', { headers: { cookie: `access_token=${jwt}` } });
    return `Bearer ${b.status}, JWT ${j.status}, cookie ${c.status}`;
  },
  'unknown-path': async () => {
    const r = await send('GET', '/api/no-such-thing');
    return `${r.status} ${r.text === '' ? '(empty)' : r.text}`;
  },
  'kit-gap': async () => `${(await send('GET', `/api/application/${STORE.id}`, { headers: { authorization: KEY } })).status} (kit error)`,
  'unsupported-grant': async () => oauth(await send('POST', '/oauth2/token', { form: { grant_type: 'password', username: 'alice@example.com', password: 'password', client_id: FORUMS.id, client_secret: FORUMS.clientSecret } })),
  'authorize-form': async () => {
    const r = await send('GET', `/oauth2/authorize?${authorizeQuery()}`);
    const fields = ['loginId', 'password', 'rememberDevice', 'state', 'code_challenge'].filter((n) => r.text.includes(`name="${n}"`));
    return `${r.status} form POST /oauth2/authorize: ${r.text.includes('action="/oauth2/authorize" method="POST"')}, fields ${fields.join(' ')}`;
  },
  'authorize-unknown-client': async () => {
    const r = await send('GET', `/oauth2/authorize?${authorizeQuery({ client_id: '00000000-0000-4000-8000-000000000000' })}`);
    return `${r.status} page ${/data-error-reason="([a-z_]+)"/.exec(r.text)?.[1]}, Location: ${r.headers.get('location') ?? 'none'}`;
  },
  'authorize-bad-redirect-uri': async () => {
    const r = await send('GET', `/oauth2/authorize?${authorizeQuery({ redirect_uri: 'http://evil.example.net/cb' })}`);
    return `${r.status} page ${/data-error-reason="([a-z_]+)"/.exec(r.text)?.[1]}, Location: ${r.headers.get('location') ?? 'none'}`;
  },
  'authorize-bad-response-type': async () => {
    const r = await send('GET', `/oauth2/authorize?${authorizeQuery({ response_type: 'nonsense' })}`);
    const q = new URL(r.headers.get('location')!).searchParams;
    return `${r.status} to redirect_uri: ${['error', 'error_reason', 'state'].map((k) => `${k}=${q.get(k)}`).join(' ')}`;
  },
  'authorize-login-redirect': async () => {
    const r = await hostedLogin(true);
    const q = new URL(r.headers.get('location')!).searchParams;
    return `${r.status} redirect_uri?${[...q.keys()].join('&')}; code URL-encoded: ${/^[A-Za-z0-9+/]+=*$/.test(q.get('code')!) && !r.headers.get('location')!.includes('+')}`;
  },
  'sso-cookie': async () => {
    const kept = cookieOf((await hostedLogin(true)).cookies, 'fusionauth.sso');
    const notKept = cookieOf((await hostedLogin(false)).cookies, 'fusionauth.sso');
    const attrs = kept.split(';').slice(1).map((x) => x.trim().split('=')[0]).join(' ');
    return `rememberDevice=true: ${attrs}; without: ${notKept === '' ? 'no cookie' : notKept}`;
  },
  'sso-auto-login': async () => {
    const sso = cookieOf((await hostedLogin(true)).cookies, 'fusionauth.sso').split(';')[0];
    const r = await send('GET', `/oauth2/authorize?${authorizeQuery({ client_id: FORUMS.id, redirect_uri: 'http://forums.example.test/oauth-redirect' })}`, { headers: { cookie: sso } });
    return `${r.status} with code: ${new URL(r.headers.get('location')!).searchParams.has('code')}`;
  },
  'token-code-fields': async () => {
    const r = await exchange();
    const id = claims(r.json.id_token);
    return `${r.status} ${Object.keys(r.json).sort().join(' ')}; id_token aud=${id.aud === STORE.id ? 'client_id' : id.aud} nonce=${id.nonce === 'n-1' ? 'sent' : id.nonce} at_hash=${typeof id.at_hash === 'string'}`;
  },
  'token-code-reused': async () => {
    const first = await exchange();
    const again = await send('POST', '/oauth2/token', { form: first.sent });
    return `${first.status}, then ${oauth(again)}`;
  },
  'token-code-unknown': async () => oauth(await send('POST', '/oauth2/token', { form: { grant_type: 'authorization_code', code: 'x', redirect_uri: 'http://store.example.test/oauth-redirect', client_id: STORE.id, client_secret: STORE.clientSecret } })),
  'token-bad-verifier': async () => oauth(await exchange({ code_verifier: 'A'.repeat(43) })),
  'token-other-redirect-uri': async () => oauth(await exchange({ redirect_uri: 'http://store.example.test/oauth-redirect2' })),
  'oauth-logout': async () => {
    const sso = cookieOf((await hostedLogin(true)).cookies, 'fusionauth.sso').split(';')[0];
    const r = await send('GET', `/oauth2/logout?client_id=${STORE.id}&post_logout_redirect_uri=${encodeURIComponent('http://store.example.test/')}`, { headers: { cookie: sso } });
    const after = await send('GET', `/oauth2/authorize?${authorizeQuery()}`, { headers: { cookie: sso } });
    return `${r.status} to ${r.headers.get('location')}, fusionauth.sso cleared: ${/Max-Age=0/.test(cookieOf(r.cookies, 'fusionauth.sso'))}, authorize afterwards ${after.status}`;
  },
};

const VERIFIER = 'v'.repeat(43);
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');
function authorizeQuery(o: Record<string, string> = {}): string {
  return new URLSearchParams({ client_id: STORE.id, redirect_uri: 'http://store.example.test/oauth-redirect', response_type: 'code', scope: 'openid offline_access', state: 's-1', nonce: 'n-1', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...o }).toString();
}
/** The hosted form posted with alice's credentials. */
async function hostedLogin(remember: boolean) {
  const form: Record<string, string> = { ...Object.fromEntries(new URLSearchParams(authorizeQuery())), loginId: 'alice@example.com', password: 'password', __cb_rememberDevice: 'false' };
  if (remember) form.rememberDevice = 'true';
  return send('POST', '/oauth2/authorize', { form });
}
/** A login, then the code exchange (with `o` changing the exchange's parameters). */
async function exchange(o: Record<string, string> = {}) {
  const code = new URL((await hostedLogin(false)).headers.get('location')!).searchParams.get('code')!;
  const sent = { grant_type: 'authorization_code', code, redirect_uri: 'http://store.example.test/oauth-redirect', code_verifier: VERIFIER, client_id: STORE.id, client_secret: STORE.clientSecret, ...o };
  return { ...(await send('POST', '/oauth2/token', { form: sent })), sent };
}

test('docs/fusionauth-fidelity.md: one row per probed behaviour, each "double\'s answer" what the double answers now', async () => {
  const md = fs.readFileSync(DOC, 'utf8');
  const all = rows(md);
  assert.deepEqual(all.map((r) => r.id).sort(), Object.keys(PROBES).sort(), 'rows and probes name the same behaviours');
  for (const r of all) {
    const actual = await PROBES[r.id]();
    assert.equal(actual, r.double, `row ${r.id}: the double answers "${actual}", the table says "${r.double}"`);
    assert.ok(r.match === 'yes' || r.match === 'no', `row ${r.id}: match is yes or no`);
    assert.ok(r.source.length > 10, `row ${r.id}: names its source`);
  }
  const divergences = md.slice(md.indexOf('## Remaining divergences'));
  assert.ok(md.includes('## Remaining divergences'), 'the divergences are listed');
  for (const r of all.filter((x) => x.match === 'no')) assert.ok(divergences.includes(`\`${r.id}\``), `row ${r.id} does not match FusionAuth: it is listed under Remaining divergences`);
});
