// Reference backend for the FusionAuth workflow "webapp-oauth-code-sessions":
// the browser logs in on FusionAuth's hosted login page (OAuth authorization code grant);
// this backend exchanges the code server-side with openid-client (client secret + PKCE),
// verifies the id_token, keeps the user in a server-side session and hands the browser only
// the session id, in an HttpOnly cookie for its own host. FusionAuth's tokens are not kept
// ("Refresh token and JWT - ignored" in FusionAuth's diagram).
//
// Node 20, openid-client 6 (ES module) and jose. APP_ROLE=store|forums picks the role.
// LOGINFLOW_MUTANT=<name> switches on exactly one deliberate defect (see MUTANTS);
// every defect is a small branch marked "MUTANT".

import http from 'node:http';
import crypto from 'node:crypto';
import * as client from 'openid-client';
import * as jose from 'jose';

// ---------------------------------------------------------------- configuration

const env = process.env;
const ROLE = env.APP_ROLE || 'store';
// The backend reaches FusionAuth at FUSIONAUTH_URL; the browser at FUSIONAUTH_PUBLIC_URL
// (in production often the same URL; behind Docker or a proxy they differ).
const FUSIONAUTH_URL = (env.FUSIONAUTH_URL || 'http://127.0.0.1:9011').replace(/\/+$/, '');
const FUSIONAUTH_PUBLIC_URL = (env.FUSIONAUTH_PUBLIC_URL || FUSIONAUTH_URL).replace(/\/+$/, '');
const CLIENT_ID = env.FUSIONAUTH_APPLICATION_ID || '';
const CLIENT_SECRET = env.FUSIONAUTH_CLIENT_SECRET || '';
const HMAC_SECRET = env.FUSIONAUTH_JWT_HMAC_SECRET || '';
const PORT = Number(env.PORT || (ROLE === 'forums' ? 3001 : 3000));
const HOST = env.HOST || '127.0.0.1';
const PUBLIC_HOST = env.PUBLIC_HOST || (ROLE === 'forums' ? 'forums.example.test' : 'store.example.test');
const REDIRECT_URI = env.REDIRECT_URI || `http://${PUBLIC_HOST}/oauth-redirect`;
const SESSION_TTL_SECONDS = parseFloat(env.SESSION_TTL_SECONDS || '1800');
const MUTANT = env.LOGINFLOW_MUTANT || '';

const SESSION_COOKIE = 'sid';
// The pre-login transaction (state, nonce, PKCE verifier) is bound to the browser by this
// short-lived cookie: a callback is only accepted from the browser that started the login.
const TX_COOKIE = 'oauth_tx';
const TX_TTL_MS = 10 * 60 * 1000;
const TTL_MS = SESSION_TTL_SECONDS * 1000;
const SCOPE = 'openid offline_access email profile';

const MUTANTS = [
  'no-state',
  'state-not-bound',
  'no-pkce',
  'code-exchanged-twice',
  'code-exchanged-in-browser',
  'nonce-not-checked',
  'token-in-redirect',
  'last-user-shown',
];

if (ROLE !== 'store' && ROLE !== 'forums') {
  console.error(`APP_ROLE must be "store" or "forums", got "${ROLE}"`);
  process.exit(1);
}
if (!CLIENT_ID || !CLIENT_SECRET) {
  console.error('FUSIONAUTH_APPLICATION_ID and FUSIONAUTH_CLIENT_SECRET are required (the OAuth client of this app)');
  process.exit(1);
}
if (!Number.isFinite(SESSION_TTL_SECONDS) || SESSION_TTL_SECONDS <= 0) {
  console.error(`SESSION_TTL_SECONDS must be a positive number, got "${env.SESSION_TTL_SECONDS}"`);
  process.exit(1);
}
if (MUTANT && !MUTANTS.includes(MUTANT)) {
  console.error(`unknown LOGINFLOW_MUTANT "${MUTANT}"; known: ${MUTANTS.join(', ')}`);
  process.exit(1);
}

const IS_STORE = ROLE === 'store';
const TITLE = IS_STORE ? 'Store' : 'Forums';
const PROTECTED_PATH = IS_STORE ? '/shopping-cart' : '/posts';

// ---------------------------------------------------------------- OpenID Connect

let configPromise;
// FusionAuth's issuer is the tenant's setting ("acme.com"), not its URL, so the client reads
// the discovery document at its well-known address rather than deriving it from the issuer;
// id_tokens are then checked against the issuer the document names.
function oidc() {
  configPromise ??= client
    .discovery(new URL(`${FUSIONAUTH_URL}/.well-known/openid-configuration`), CLIENT_ID, undefined, client.ClientSecretBasic(CLIENT_SECRET), {
      execute: [client.allowInsecureRequests], // TLS ends in front of the app in production; the kit talks plain http on loopback
      timeout: 5,
    })
    .catch((e) => {
      configPromise = undefined;
      throw new UpstreamError(`OpenID discovery failed: ${e && e.message}`);
    });
  return configPromise;
}

let jwks;
// openid-client leaves the id_token's signature to TLS (it came straight from the token
// endpoint); this app checks it anyway, with the key FusionAuth signs with.
async function verifyIdTokenSignature(config, idToken) {
  const { alg } = jose.decodeProtectedHeader(idToken);
  const opts = { issuer: config.serverMetadata().issuer, audience: CLIENT_ID, algorithms: [alg === 'HS256' ? 'HS256' : 'RS256'] };
  if (alg === 'HS256') return (await jose.jwtVerify(idToken, new TextEncoder().encode(HMAC_SECRET), opts)).payload;
  jwks ??= jose.createRemoteJWKSet(new URL(`${FUSIONAUTH_URL}/.well-known/jwks.json`), { timeoutDuration: 5000 });
  return (await jose.jwtVerify(idToken, jwks, opts)).payload;
}

// ---------------------------------------------------------------- sessions and transactions

// id -> { user: { id, email }, expiresAt } ; expiresAt on the wall clock (ms).
const sessions = new Map();
// tx id (cookie) -> { state, nonce, verifier, expiresAt }
const transactions = new Map();
// MUTANT state-not-bound: "look the login up by its state" - every state ever issued, whoever sent it.
const byState = new Map();
// MUTANT last-user-shown: "the page greets the current user" - one module-level variable.
let currentUser = null;

function sweep() {
  const t = Date.now();
  for (const [id, s] of sessions) if (t > s.expiresAt) sessions.delete(id);
  for (const [id, tx] of transactions) if (t > tx.expiresAt) transactions.delete(id);
}

function useSession(id) {
  const s = id ? sessions.get(id) : undefined;
  if (!s) return null;
  const t = Date.now();
  if (t > s.expiresAt) {
    sessions.delete(id);
    return null;
  }
  s.expiresAt = t + TTL_MS; // sliding expiry
  return s;
}

function newSession(user) {
  sweep();
  const id = crypto.randomBytes(32).toString('base64url');
  sessions.set(id, { user, expiresAt: Date.now() + TTL_MS });
  if (MUTANT === 'last-user-shown') currentUser = user;
  return id;
}

// ---------------------------------------------------------------- HTTP helpers

class UpstreamError extends Error {}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function page(title, body) {
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body>\n${body}\n</body></html>\n`;
}

function send(res, status, html, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(html);
}

function redirect(res, location, cookies = []) {
  const headers = { Location: location, 'Cache-Control': 'no-store' };
  if (cookies.length) headers['Set-Cookie'] = cookies;
  res.writeHead(302, headers);
  res.end();
}

function parseCookies(header) {
  const out = {};
  for (const part of String(header || '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (!name || name in out) continue;
    const value = part.slice(i + 1).trim();
    try { out[name] = decodeURIComponent(value); } catch { out[name] = value; }
  }
  return out;
}

// Host-only (no Domain), HttpOnly, Secure, SameSite=Lax: Lax still sends the transaction
// cookie on FusionAuth's top-level redirect back to the callback.
function cookie(name, value, maxAgeSeconds) {
  const parts = [`${name}=${value}`, 'Path=/', 'HttpOnly', 'Secure', 'SameSite=Lax'];
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  return parts.join('; ');
}

function clearCookie(name) {
  return `${name}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
}

async function readBody(req, limit = 256 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// ---------------------------------------------------------------- pages

function homePage() {
  return page(TITLE, `<h1>${TITLE}</h1>\n<p>Welcome to the ${IS_STORE ? 'store' : 'forums'}.</p>\n<p><a href="/login">Log in</a></p>`);
}

function protectedPage(user) {
  const email = escapeHtml(user.email || user.id || 'unknown user');
  if (IS_STORE) {
    return page('Shopping cart', `<h1>Shopping cart of ${email}</h1>\n<ul class="cart">\n<li>Rubber duck x 2</li>\n<li>Espresso beans x 1</li>\n</ul>\n<p><a href="/">Store home</a> <a href="/logout">Log out</a></p>`);
  }
  return page('Forum posts', `<h1>Forum posts of ${email}</h1>\n<ul class="posts">\n<li>Hello, forums!</li>\n<li>Re: Which espresso beans?</li>\n</ul>\n<p><a href="/">Forums home</a> <a href="/logout">Log out</a></p>`);
}

function errorPage(status, message) {
  return page(`${TITLE} - Error ${status}`, `<h1>Error ${status}</h1>\n<p>${escapeHtml(message)}</p>\n<p><a href="/login">Log in again</a></p>`);
}

// ---------------------------------------------------------------- handlers

// GET /login: a new transaction, bound to this browser, and off to FusionAuth's login page.
async function handleLogin(req, res) {
  const config = await oidc();
  sweep();
  const tx = {
    state: client.randomState(),
    nonce: client.randomNonce(),
    verifier: client.randomPKCECodeVerifier(),
    expiresAt: Date.now() + TX_TTL_MS,
  };
  const txId = crypto.randomBytes(32).toString('base64url');
  transactions.set(txId, tx);
  byState.set(tx.state, tx);
  const params = { redirect_uri: REDIRECT_URI, scope: SCOPE, nonce: tx.nonce };
  if (MUTANT !== 'no-state') {
    // MUTANT no-state skips this: no state parameter at all.
    params.state = tx.state;
  }
  if (MUTANT !== 'no-pkce') {
    // MUTANT no-pkce skips this: "we have a client secret, PKCE is for mobile apps".
    params.code_challenge = await client.calculatePKCECodeChallenge(tx.verifier);
    params.code_challenge_method = 'S256';
  }
  const url = client.buildAuthorizationUrl(config, params);
  // The discovered endpoint names the URL this server reaches FusionAuth at; the browser's is public.
  const target = new URL(url.pathname + url.search, FUSIONAUTH_PUBLIC_URL);
  return redirect(res, target.toString(), [cookie(TX_COOKIE, txId, TX_TTL_MS / 1000)]);
}

function transactionFor(req, url) {
  const txId = parseCookies(req.headers.cookie)[TX_COOKIE];
  if (MUTANT === 'state-not-bound') {
    // MUTANT state-not-bound: the callback's own state finds the transaction: any state this
    // app ever issued is accepted, from any browser (login CSRF with an attacker's code).
    const st = url.searchParams.get('state');
    const tx = st ? byState.get(st) : undefined;
    if (tx) return { txId, tx };
  }
  const tx = txId ? transactions.get(txId) : undefined;
  if (!tx || Date.now() > tx.expiresAt) return { txId };
  return { txId, tx };
}

// GET /oauth-redirect?code=…&state=…: exchange the code (server-side, once), verify the id_token, open a session.
async function handleCallback(req, res, url) {
  const { txId, tx } = transactionFor(req, url);
  const clear = txId ? [clearCookie(TX_COOKIE)] : [];
  if (url.searchParams.has('error')) {
    return send(res, 401, errorPage(401, `FusionAuth refused the login: ${url.searchParams.get('error_description') || url.searchParams.get('error')}`), { 'Set-Cookie': clear });
  }
  if (!tx) return send(res, 400, errorPage(400, 'This login was not started here, or took too long. Please log in again.'), { 'Set-Cookie': clear });
  if (MUTANT !== 'state-not-bound' && MUTANT !== 'no-state') {
    // The state is checked by openid-client below as well; this is the browser binding.
    if (url.searchParams.get('state') !== tx.state) return send(res, 400, errorPage(400, 'The login state does not match. Please log in again.'), { 'Set-Cookie': clear });
  }
  // One transaction, one callback: a replayed callback finds nothing.
  if (txId) transactions.delete(txId);
  byState.delete(tx.state);
  const config = await oidc();

  if (MUTANT === 'code-exchanged-in-browser') return browserExchangePage(res, url, tx, clear);

  let claims;
  let accessToken;
  try {
    ({ claims, accessToken } = MUTANT === 'nonce-not-checked' ? await handRolledExchange(config, url, tx) : await exchange(config, url, tx));
  } catch (e) {
    if (e instanceof UpstreamError) throw e;
    console.log(`  login refused: ${e && (e.error || e.code)} ${e && e.message}`);
    return send(res, 401, errorPage(401, 'The login could not be completed. Please log in again.'), { 'Set-Cookie': clear });
  }
  const user = { id: claims.sub, email: claims.email };
  const sid = newSession(user);
  let location = PROTECTED_PATH;
  if (MUTANT === 'token-in-redirect') {
    // MUTANT token-in-redirect: "the cart page wants the token" - it rides in the URL.
    location += `?access_token=${encodeURIComponent(accessToken)}`;
  }
  return redirect(res, location, [...clear, cookie(SESSION_COOKIE, sid)]);
}

async function exchange(config, url, tx) {
  const checks = {
    pkceCodeVerifier: MUTANT === 'no-pkce' ? undefined : tx.verifier,
    expectedState: MUTANT === 'no-state' ? client.skipStateCheck : tx.state,
    expectedNonce: tx.nonce,
    idTokenExpected: true,
  };
  // The redirect_uri sent with the code is the one the authorization request used.
  const current = new URL(REDIRECT_URI);
  current.search = url.search;
  let tokens;
  if (MUTANT === 'code-exchanged-twice') {
    // MUTANT code-exchanged-twice: a "hedged" request - the exchange is sent twice at once and
    // the first success wins; the second presentation of the code is FusionAuth's to refuse.
    const attempts = [0, 1].map(() => client.authorizationCodeGrant(config, current, checks).catch(upstreamOr));
    tokens = await Promise.any(attempts);
    await Promise.allSettled(attempts);
  } else {
    tokens = await client.authorizationCodeGrant(config, current, checks).catch(upstreamOr);
  }
  // openid-client checked iss, aud, exp, nonce; the signature is checked here.
  return { claims: await verifyIdTokenSignature(config, tokens.id_token), accessToken: tokens.access_token };
}

function upstreamOr(e) {
  if (e && (e.code === 'UND_ERR_CONNECT_TIMEOUT' || e.name === 'TimeoutError' || (e.cause && e.cause.code === 'ECONNREFUSED'))) throw new UpstreamError(`FusionAuth unreachable: ${e.message}`);
  throw e;
}

// MUTANT nonce-not-checked: the exchange "as in the tutorial" - a hand-written token request
// and a jose check of the id_token's signature, issuer and audience, but not its nonce.
async function handRolledExchange(config, url, tx) {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code: url.searchParams.get('code') || '', redirect_uri: REDIRECT_URI, code_verifier: tx.verifier });
  const resp = await fetch(config.serverMetadata().token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}` },
    body,
    signal: AbortSignal.timeout(5000),
  }).catch((e) => { throw new UpstreamError(`FusionAuth unreachable: ${e.message}`); });
  const json = await resp.json().catch(() => ({}));
  if (resp.status !== 200 || typeof json.id_token !== 'string') throw new Error(`token endpoint answered ${resp.status} ${json.error || ''}`);
  return { claims: await verifyIdTokenSignature(config, json.id_token), accessToken: json.access_token };
}

// MUTANT code-exchanged-in-browser: the callback page exchanges the code from the browser,
// with the client secret embedded in the page, then hands the tokens to the backend.
function browserExchangePage(res, url, tx, clear) {
  const handoff = crypto.randomBytes(24).toString('base64url');
  handoffs.set(handoff, tx);
  const data = {
    tokenEndpoint: `${FUSIONAUTH_PUBLIC_URL}/oauth2/token`,
    form: { grant_type: 'authorization_code', code: url.searchParams.get('code') || '', redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, code_verifier: tx.verifier },
    handoff,
  };
  const script = `const d = ${JSON.stringify(data).replace(/</g, '\\u003c')};
fetch(d.tokenEndpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(d.form) })
  .then((r) => r.json())
  .then((t) => fetch('/oauth-session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ handoff: d.handoff, id_token: t.id_token }) }))
  .then((r) => { location.href = r.ok ? ${JSON.stringify(PROTECTED_PATH)} : '/login'; });`;
  return send(res, 200, page(`${TITLE} - Logging in`, `<h1>Logging you in…</h1>\n<script>${script}</script>`), { 'Set-Cookie': clear });
}
const handoffs = new Map();

async function handleSessionHandoff(req, res) {
  let body;
  try { body = JSON.parse(await readBody(req)); } catch { return send(res, 400, errorPage(400, 'Bad request.')); }
  const tx = handoffs.get(body && body.handoff);
  if (!tx || typeof body.id_token !== 'string') return send(res, 400, errorPage(400, 'Unknown login.'));
  handoffs.delete(body.handoff);
  let claims;
  try {
    claims = await verifyIdTokenSignature(await oidc(), body.id_token);
    if (claims.nonce !== tx.nonce) throw new Error('nonce');
  } catch {
    return send(res, 401, errorPage(401, 'The login could not be completed.'));
  }
  const sid = newSession({ id: claims.sub, email: claims.email });
  res.writeHead(204, { 'Set-Cookie': [cookie(SESSION_COOKIE, sid)], 'Cache-Control': 'no-store' });
  res.end();
}

async function handleProtected(req, res) {
  const session = useSession(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
  if (!session) return redirect(res, '/login');
  return send(res, 200, protectedPage(MUTANT === 'last-user-shown' && currentUser ? currentUser : session.user));
}

// GET /logout: ends this app's session, then FusionAuth's SSO session.
async function handleLogout(req, res) {
  const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (id) sessions.delete(id);
  const config = await oidc();
  const end = client.buildEndSessionUrl(config, { client_id: CLIENT_ID, post_logout_redirect_uri: `http://${PUBLIC_HOST}/` });
  return redirect(res, new URL(end.pathname + end.search, FUSIONAUTH_PUBLIC_URL).toString(), [clearCookie(SESSION_COOKIE)]);
}

async function route(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const path = url.pathname;
  const method = req.method;
  if (method === 'GET' && path === '/') return send(res, 200, homePage());
  if (method === 'GET' && path === '/login') return handleLogin(req, res);
  if (method === 'GET' && path === '/oauth-redirect') return handleCallback(req, res, url);
  if (method === 'POST' && path === '/oauth-session' && MUTANT === 'code-exchanged-in-browser') return handleSessionHandoff(req, res);
  if (method === 'GET' && path === PROTECTED_PATH) return handleProtected(req, res);
  if (method === 'GET' && path === '/logout') return handleLogout(req, res);
  return send(res, 404, errorPage(404, 'Not found.'));
}

// ---------------------------------------------------------------- server

const server = http.createServer((req, res) => {
  const started = Date.now();
  res.on('finish', () => {
    console.log(`${new Date().toISOString()} ${ROLE} ${req.method} ${req.url.replace(/([?&](code|state|access_token)=)[^&]*/g, '$1…')} ${res.statusCode} ${Date.now() - started}ms`);
  });
  route(req, res).catch((e) => {
    const upstreamDown = e instanceof UpstreamError;
    if (!upstreamDown) console.error(e);
    else console.log(`  ${e.message}`);
    if (res.headersSent) return res.destroy();
    send(res, upstreamDown ? 502 : 500, errorPage(upstreamDown ? 502 : 500, upstreamDown ? 'The login service is unavailable. Please try again later.' : 'Internal error.'));
  });
});

server.listen(PORT, HOST, () => {
  console.log(`${TITLE} (${PUBLIC_HOST}) listening on http://${HOST}:${PORT} sessionTtl=${SESSION_TTL_SECONDS}s${MUTANT ? ` mutant=${MUTANT}` : ''}`);
});

function shutdown(signal) {
  console.log(`${signal} received, shutting down`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
