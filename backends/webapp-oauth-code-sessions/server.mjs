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
// The absolute lifetime of a session, however busy (OWASP ASVS 4.0 V3.3.2: 12 hours at level 2).
const SESSION_MAX_AGE_SECONDS = parseFloat(env.SESSION_MAX_AGE_SECONDS || '43200');
const MUTANT = env.LOGINFLOW_MUTANT || '';

const SESSION_COOKIE = 'sid';
// The pre-login transaction (state, nonce, PKCE verifier) is bound to the browser by this
// short-lived cookie: a callback is only accepted from the browser that started the login.
const TX_COOKIE = 'oauth_tx';
const TX_TTL_MS = 10 * 60 * 1000;
const TTL_MS = SESSION_TTL_SECONDS * 1000;
const MAX_AGE_MS = SESSION_MAX_AGE_SECONDS * 1000;
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
  // The security review's mutants (docs/oauth-security-review.md): one each for a check beyond the diagram.
  'iss-not-checked',
  'aud-not-checked',
  'exp-not-checked',
  'sub-not-required',
  'iat-not-required',
  'nonce-optional',
  'signature-not-checked',
  'alg-none-accepted',
  'kid-required',
  'jwks-cached-forever',
  'static-pkce-nonce',
  'callback-replayable',
  'state-reusable',
  'error-callback-silent',
  'session-fixation',
  'cookie-not-secure',
  'logout-cookie-only',
  'logout-local-only',
  'front-channel-logout-ignored',
  'no-absolute-expiry',
  'userinfo-sub-not-checked',
];
// The mutants whose code exchange and id_token check are hand-written (see handCheckedIdToken).
const HAND_ROLLED = new Set(['nonce-not-checked', 'iss-not-checked', 'aud-not-checked', 'exp-not-checked', 'sub-not-required', 'iat-not-required', 'nonce-optional', 'signature-not-checked', 'alg-none-accepted', 'kid-required', 'jwks-cached-forever']);

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
if (!Number.isFinite(SESSION_MAX_AGE_SECONDS) || SESSION_MAX_AGE_SECONDS <= 0) {
  console.error(`SESSION_MAX_AGE_SECONDS must be a positive number, got "${env.SESSION_MAX_AGE_SECONDS}"`);
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

// The id_token check of the hand-written exchange ("as in the tutorial"): complete when every
// line runs, as strict as openid-client plus the signature check above. Each MUTANT of the
// id_token family leaves one line out (or, for the key, looks it up carelessly).
async function handCheckedIdToken(config, idToken, tx) {
  const { alg, kid } = jose.decodeProtectedHeader(idToken);
  let claims;
  if (MUTANT === 'signature-not-checked' || (MUTANT === 'alg-none-accepted' && alg === 'none')) {
    // MUTANT signature-not-checked: "it came over TLS from FusionAuth" (OIDC Core 3.1.3.7 item 6 allows it).
    // MUTANT alg-none-accepted: "an unsigned token has no signature to check".
    claims = jose.decodeJwt(idToken);
  } else {
    if (alg !== 'RS256' && alg !== 'HS256') throw new Error(`id_token signed with ${alg}`);
    const key = alg === 'HS256' ? new TextEncoder().encode(HMAC_SECRET) : await rsaKeyFor(kid);
    claims = JSON.parse(new TextDecoder().decode((await jose.compactVerify(idToken, key, { algorithms: [alg] })).payload));
  }
  const now = Math.floor(Date.now() / 1000);
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  // MUTANT iss-not-checked skips this line.
  if (MUTANT !== 'iss-not-checked' && claims.iss !== config.serverMetadata().issuer) throw new Error('id_token iss');
  // MUTANT aud-not-checked skips this line.
  if (MUTANT !== 'aud-not-checked' && !auds.includes(CLIENT_ID)) throw new Error('id_token aud');
  if (auds.length > 1 && claims.azp !== CLIENT_ID) throw new Error('id_token azp');
  // MUTANT sub-not-required skips this line ("users are keyed by email").
  if (MUTANT !== 'sub-not-required' && typeof claims.sub !== 'string') throw new Error('id_token sub');
  // MUTANT iat-not-required skips this line.
  if (MUTANT !== 'iat-not-required' && typeof claims.iat !== 'number') throw new Error('id_token iat');
  // MUTANT exp-not-checked skips this line.
  if (MUTANT !== 'exp-not-checked' && !(typeof claims.exp === 'number' && claims.exp > now - 60)) throw new Error('id_token exp');
  // MUTANT nonce-not-checked skips this line; MUTANT nonce-optional checks a nonce only when there is one.
  if (MUTANT !== 'nonce-not-checked' && !(MUTANT === 'nonce-optional' && claims.nonce === undefined) && claims.nonce !== tx.nonce) throw new Error('id_token nonce');
  return claims;
}

// FusionAuth's RS256 key for a kid, the way the reference finds it (jose's remote key set,
// which fetches the JWKS again for a kid it does not know) unless a MUTANT does it otherwise.
let startupJwks;
async function rsaKeyFor(kid) {
  if (MUTANT === 'jwks-cached-forever') {
    // MUTANT jwks-cached-forever: "the keys do not change" - the JWKS fetched at the first login, never again.
    startupJwks ??= fetchJwks();
    return jose.createLocalJWKSet(await startupJwks);
  }
  if (MUTANT === 'kid-required') {
    // MUTANT kid-required: the key is looked up by kid only; an id_token without one finds none.
    const jwk = (await fetchJwks()).keys.find((k) => kid && k.kid === kid);
    if (!jwk) throw new Error(`no JWKS key with kid ${kid}`);
    return jose.importJWK(jwk, 'RS256');
  }
  jwks ??= jose.createRemoteJWKSet(new URL(`${FUSIONAUTH_URL}/.well-known/jwks.json`), { timeoutDuration: 5000 });
  return jwks;
}

async function fetchJwks() {
  const resp = await fetch(`${FUSIONAUTH_URL}/.well-known/jwks.json`, { signal: AbortSignal.timeout(5000) }).catch((e) => { throw new UpstreamError(`FusionAuth unreachable: ${e.message}`); });
  if (resp.status !== 200) throw new UpstreamError(`FusionAuth JWKS answered ${resp.status}`);
  return resp.json();
}

// ---------------------------------------------------------------- sessions and transactions

// id -> { user: { id, email }, expiresAt, createdAt } ; on the wall clock (ms).
const sessions = new Map();
// tx id (cookie) -> { state, nonce, verifier, expiresAt }
const transactions = new Map();
// MUTANT state-not-bound: "look the login up by its state" - every state ever issued, whoever sent it.
const byState = new Map();
// MUTANT last-user-shown: "the page greets the current user" - one module-level variable.
let currentUser = null;
// MUTANT static-pkce-nonce: "generated once at startup" - every login shares one PKCE verifier and one nonce.
const STATIC = { verifier: client.randomPKCECodeVerifier(), nonce: client.randomNonce() };
// MUTANT callback-replayable: "a reload of the callback page must not fail" - whom each code logged in.
const loggedInByCode = new Map();

function sweep() {
  const t = Date.now();
  for (const [id, s] of sessions) if (t > s.expiresAt) sessions.delete(id);
  for (const [id, tx] of transactions) if (t > tx.expiresAt) transactions.delete(id);
}

function useSession(id) {
  const s = id ? sessions.get(id) : undefined;
  if (!s) return null;
  const t = Date.now();
  // MUTANT no-absolute-expiry skips the absolute lifetime: a busy session lives for ever.
  if (t > s.expiresAt || (MUTANT !== 'no-absolute-expiry' && t > s.createdAt + MAX_AGE_MS)) {
    sessions.delete(id);
    return null;
  }
  s.expiresAt = t + TTL_MS; // sliding expiry
  return s;
}

function newSession(user) {
  sweep();
  const id = crypto.randomBytes(32).toString('base64url');
  sessions.set(id, { user, expiresAt: Date.now() + TTL_MS, createdAt: Date.now() });
  if (MUTANT === 'last-user-shown') currentUser = user;
  return id;
}

// The session a login opens: a new id, always (session fixation: OWASP ASVS 4.0 V3.2.1).
function loginSession(req, user) {
  const sent = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (MUTANT === 'session-fixation' && sent && sessions.has(sent)) {
    // MUTANT session-fixation: the session the browser already had is "upgraded" in place, id and all.
    Object.assign(sessions.get(sent), { user, expiresAt: Date.now() + TTL_MS });
    return sent;
  }
  return newSession(user);
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
  // MUTANT cookie-not-secure drops Secure from the session cookie: sent over plain http too.
  if (MUTANT === 'cookie-not-secure' && name === SESSION_COOKIE) parts.splice(parts.indexOf('Secure'), 1);
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

// Where a login may send the browser back to: a path on this app, nothing else (an open
// redirector at the client leaks codes and tokens: RFC 9700 §4.11.1).
function safeReturnTo(value) {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined;
  try {
    const u = new URL(value, `http://${PUBLIC_HOST}`);
    return u.host === PUBLIC_HOST ? u.pathname + u.search : undefined;
  } catch {
    return undefined;
  }
}

// GET /login[?returnTo=/path]: a new transaction, bound to this browser, and off to FusionAuth's login page.
async function handleLogin(req, res, url) {
  const config = await oidc();
  sweep();
  const tx = {
    state: client.randomState(),
    nonce: MUTANT === 'static-pkce-nonce' ? STATIC.nonce : client.randomNonce(),
    verifier: MUTANT === 'static-pkce-nonce' ? STATIC.verifier : client.randomPKCECodeVerifier(),
    expiresAt: Date.now() + TX_TTL_MS,
    returnTo: safeReturnTo(url.searchParams.get('returnTo')),
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
  const authorize = client.buildAuthorizationUrl(config, params);
  // The discovered endpoint names the URL this server reaches FusionAuth at; the browser's is public.
  const target = new URL(authorize.pathname + authorize.search, FUSIONAUTH_PUBLIC_URL);
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
  if (MUTANT === 'callback-replayable' && loggedInByCode.has(url.searchParams.get('code'))) {
    // MUTANT callback-replayable: a code seen before logs its user in again, in whichever browser brings it.
    return redirect(res, PROTECTED_PATH, [cookie(SESSION_COOKIE, newSession(loggedInByCode.get(url.searchParams.get('code'))))]);
  }
  const { txId, tx } = transactionFor(req, url);
  const clear = txId ? [clearCookie(TX_COOKIE)] : [];
  if (url.searchParams.has('error')) {
    // MUTANT error-callback-silent: back to the home page, not a word about the failed login.
    if (MUTANT === 'error-callback-silent') return redirect(res, '/', clear);
    return send(res, 401, errorPage(401, `FusionAuth refused the login: ${url.searchParams.get('error_description') || url.searchParams.get('error')}`), { 'Set-Cookie': clear });
  }
  if (!tx) return send(res, 400, errorPage(400, 'This login was not started here, or took too long. Please log in again.'), { 'Set-Cookie': clear });
  if (MUTANT !== 'state-not-bound' && MUTANT !== 'no-state') {
    // The state is checked by openid-client below as well; this is the browser binding.
    if (url.searchParams.get('state') !== tx.state) return send(res, 400, errorPage(400, 'The login state does not match. Please log in again.'), { 'Set-Cookie': clear });
  }
  // One transaction, one callback: a replayed callback finds nothing.
  if (MUTANT !== 'state-reusable') {
    // MUTANT state-reusable skips this: the transaction (and its cookie) lives its ten minutes, "so a reload works".
    if (txId) transactions.delete(txId);
    byState.delete(tx.state);
  }
  const config = await oidc();

  if (MUTANT === 'code-exchanged-in-browser') return browserExchangePage(res, url, tx, clear);

  let claims;
  let accessToken;
  try {
    ({ claims, accessToken } = HAND_ROLLED.has(MUTANT) ? await handRolledExchange(config, url, tx) : await exchange(config, url, tx));
  } catch (e) {
    if (e instanceof UpstreamError) throw e;
    console.log(`  login refused: ${e && (e.error || e.code)} ${e && e.message}`);
    return send(res, 401, errorPage(401, 'The login could not be completed. Please log in again.'), { 'Set-Cookie': clear });
  }
  const user = { id: claims.sub, email: claims.email };
  if (MUTANT === 'userinfo-sub-not-checked') {
    // MUTANT userinfo-sub-not-checked: the profile comes from UserInfo, its sub never compared with the id_token's.
    const info = await client.fetchUserInfo(config, accessToken, client.skipSubjectCheck).catch(() => undefined);
    if (info && typeof info.email === 'string') user.email = info.email;
  }
  if (MUTANT === 'callback-replayable') loggedInByCode.set(url.searchParams.get('code'), user);
  const sid = loginSession(req, user);
  let location = tx.returnTo || PROTECTED_PATH;
  if (MUTANT === 'token-in-redirect') {
    // MUTANT token-in-redirect: "the cart page wants the token" - it rides in the URL.
    location += `?access_token=${encodeURIComponent(accessToken)}`;
  }
  return redirect(res, location, [...(MUTANT === 'state-reusable' ? [] : clear), cookie(SESSION_COOKIE, sid)]);
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

// The exchange "as in the tutorial" of the id_token family of mutants (HAND_ROLLED): a
// hand-written token request and the hand-written id_token check, one line of it left out.
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
  return { claims: await handCheckedIdToken(config, json.id_token, tx), accessToken: json.access_token };
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
  if (!session) return redirect(res, `/login?returnTo=${encodeURIComponent(PROTECTED_PATH)}`);
  return send(res, 200, protectedPage(MUTANT === 'last-user-shown' && currentUser ? currentUser : session.user));
}

// GET /logout: ends this app's session, then FusionAuth's SSO session.
async function handleLogout(req, res) {
  const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  // MUTANT logout-cookie-only skips this: the browser forgets the session id, the server keeps the session.
  if (id && MUTANT !== 'logout-cookie-only') sessions.delete(id);
  // MUTANT logout-local-only: "log out of the store" - FusionAuth's SSO session lives on.
  if (MUTANT === 'logout-local-only') return redirect(res, '/', [clearCookie(SESSION_COOKIE)]);
  const config = await oidc();
  const end = client.buildEndSessionUrl(config, { client_id: CLIENT_ID, post_logout_redirect_uri: `http://${PUBLIC_HOST}/` });
  return redirect(res, new URL(end.pathname + end.search, FUSIONAUTH_PUBLIC_URL).toString(), [clearCookie(SESSION_COOKIE)]);
}

// GET /frontchannel-logout: the Logout URL FusionAuth loads (in an iframe) when the user logs
// out of FusionAuth from another application (OpenID Connect Front-Channel Logout): ends this
// app's session too. Same-site with FusionAuth, so the browser sends the session cookie.
function handleFrontChannelLogout(req, res) {
  const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  // MUTANT front-channel-logout-ignored: the route exists (FusionAuth is configured with it) and does nothing.
  if (MUTANT === 'front-channel-logout-ignored') return send(res, 200, page(TITLE, '<p>Logged out.</p>'));
  if (id) sessions.delete(id);
  return send(res, 200, page(TITLE, '<p>Logged out.</p>'), id ? { 'Set-Cookie': [clearCookie(SESSION_COOKIE)] } : {});
}

async function route(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const path = url.pathname;
  const method = req.method;
  if (method === 'GET' && path === '/') return send(res, 200, homePage());
  if (method === 'GET' && path === '/login') return handleLogin(req, res, url);
  if (method === 'GET' && path === '/oauth-redirect') return handleCallback(req, res, url);
  if (method === 'POST' && path === '/oauth-session' && MUTANT === 'code-exchanged-in-browser') return handleSessionHandoff(req, res);
  if (method === 'GET' && path === PROTECTED_PATH) return handleProtected(req, res);
  if (method === 'GET' && path === '/logout') return handleLogout(req, res);
  if (method === 'GET' && path === '/frontchannel-logout') return handleFrontChannelLogout(req, res);
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
