// Reference backend for the FusionAuth workflow "webapp-oauth-code-jwt-cookies":
// the browser logs in on FusionAuth's hosted login page (OAuth authorization code grant);
// this backend exchanges the code server-side with openid-client (client secret + PKCE),
// verifies the id_token and keeps FusionAuth's access token (a JWT) and refresh token in
// HttpOnly cookies for its own host. Every protected request verifies the JWT; an expired
// one is refreshed with grant_type=refresh_token; a refused refresh means logging in again.
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
// The kit says which refresh API a run wants (FUSIONAUTH_REFRESH_ENDPOINT); /oauth2/token otherwise.
const REFRESH_ENDPOINT = env.FUSIONAUTH_REFRESH_ENDPOINT || '/oauth2/token';
// The API key the logout revokes the refresh token with (DELETE /api/jwt/refresh).
const API_KEY = env.FUSIONAUTH_API_KEY || '';
const MUTANT = env.LOGINFLOW_MUTANT || '';

const JWT_COOKIE = 'app_jwt';
const REFRESH_COOKIE = 'app_refresh';
const REFRESH_COOKIE_MAX_AGE = 30 * 24 * 60 * 60; // 30 days, in seconds
// The pre-login transaction (state, nonce, PKCE verifier) is bound to the browser by this
// short-lived cookie: a callback is only accepted from the browser that started the login.
const TX_COOKIE = 'oauth_tx';
const TX_TTL_MS = 10 * 60 * 1000;
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
  'cookie-not-httponly',
  // The security review's mutants (docs/oauth-security-review.md): one each for a check beyond the diagram.
  'aud-optional',
  'azp-ignored',
  'open-redirect',
  'error-page-third-party',
  'token-in-page',
  'rotation-dropped',
  'refresh-cookie-kept-at-login',
  'jwt-audience-not-checked',
  'cookie-no-samesite',
  'client-secret-post',
  'logout-keeps-jwt-cookie',
  'logout-no-revoke',
  'logout-without-client-id',
  'userinfo-token-in-query',
];
// The mutants whose code exchange and id_token check are hand-written (see handCheckedIdToken).
const HAND_ROLLED = new Set(['nonce-not-checked', 'aud-optional', 'azp-ignored']);

if (ROLE !== 'store' && ROLE !== 'forums') {
  console.error(`APP_ROLE must be "store" or "forums", got "${ROLE}"`);
  process.exit(1);
}
if (!CLIENT_ID || !CLIENT_SECRET) {
  console.error('FUSIONAUTH_APPLICATION_ID and FUSIONAUTH_CLIENT_SECRET are required (the OAuth client of this app)');
  process.exit(1);
}
if (REFRESH_ENDPOINT !== '/oauth2/token' && REFRESH_ENDPOINT !== '/api/jwt/refresh') {
  console.error(`FUSIONAUTH_REFRESH_ENDPOINT must be /oauth2/token or /api/jwt/refresh, got "${REFRESH_ENDPOINT}"`);
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
    // MUTANT client-secret-post: the secret in the form body of every token call ("simpler than a header").
    .discovery(new URL(`${FUSIONAUTH_URL}/.well-known/openid-configuration`), CLIENT_ID, undefined, MUTANT === 'client-secret-post' ? client.ClientSecretPost(CLIENT_SECRET) : client.ClientSecretBasic(CLIENT_SECRET), {
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
// A JWT FusionAuth signed for this app: signature (HS256 with the HMAC secret, RS256 with the
// JWKS key), issuer, audience, expiry. openid-client leaves the id_token's signature to TLS
// (it came straight from the token endpoint); this app checks it anyway, and every access
// token the browser brings back in its cookie.
async function verifyJwt(config, token, { forIdToken = false, audience = true } = {}) {
  const { alg } = jose.decodeProtectedHeader(token);
  const opts = { issuer: config.serverMetadata().issuer, audience: CLIENT_ID, algorithms: [alg === 'HS256' ? 'HS256' : 'RS256'] };
  // The hand-written id_token check compares the audience itself.
  if (!audience) delete opts.audience;
  // MUTANT jwt-audience-not-checked: the JWT in the cookie is checked for FusionAuth's signature, not for this app (any app's JWT opens the store).
  if (MUTANT === 'jwt-audience-not-checked' && !forIdToken) delete opts.audience;
  if (alg === 'HS256') return (await jose.jwtVerify(token, new TextEncoder().encode(HMAC_SECRET), opts)).payload;
  jwks ??= jose.createRemoteJWKSet(new URL(`${FUSIONAUTH_URL}/.well-known/jwks.json`), { timeoutDuration: 5000 });
  return (await jose.jwtVerify(token, jwks, opts)).payload;
}
const verifyIdTokenSignature = (config, idToken) => verifyJwt(config, idToken, { forIdToken: true });

// The id_token check of the hand-written exchange ("as in the tutorial"): complete when every
// line runs, as strict as openid-client plus the signature check above. Each MUTANT of the
// id_token family leaves one line out.
async function handCheckedIdToken(config, idToken, tx) {
  const claims = await verifyJwt(config, idToken, { forIdToken: true, audience: false }); // signature, iss, exp
  const auds = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  // MUTANT aud-optional: the audience is compared only when the id_token has one.
  if (!(MUTANT === 'aud-optional' && claims.aud === undefined) && !auds.includes(CLIENT_ID)) throw new Error('id_token aud');
  // MUTANT azp-ignored skips this line: an id_token issued to another party that lists this app too is taken.
  if (MUTANT !== 'azp-ignored' && auds.length > 1 && claims.azp !== CLIENT_ID) throw new Error('id_token azp');
  if (typeof claims.sub !== 'string' || typeof claims.iat !== 'number') throw new Error('id_token sub or iat');
  // MUTANT nonce-not-checked skips this line.
  if (MUTANT !== 'nonce-not-checked' && claims.nonce !== tx.nonce) throw new Error('id_token nonce');
  return claims;
}

// ---------------------------------------------------------------- transactions

// tx id (cookie) -> { state, nonce, verifier, expiresAt }
const transactions = new Map();
// MUTANT state-not-bound: "look the login up by its state" - every state ever issued, whoever sent it.
const byState = new Map();
// MUTANT last-user-shown: "the page greets the current user" - one module-level variable.
let currentUser = null;

function sweep() {
  const t = Date.now();
  for (const [id, tx] of transactions) if (t > tx.expiresAt) transactions.delete(id);
}

// The token cookies; a JWT's cookie lives as long as the JWT.
function tokenCookies(tokens) {
  const out = [];
  const jwtLife = Math.max(1, Number(tokens.expires_in) || 3600);
  if (tokens.access_token) out.push(cookie(JWT_COOKIE, tokens.access_token, jwtLife));
  if (tokens.refresh_token) out.push(cookie(REFRESH_COOKIE, tokens.refresh_token, REFRESH_COOKIE_MAX_AGE));
  return out;
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
  const parts = [`${name}=${value}`, 'Path=/'];
  if (MUTANT !== 'cookie-not-httponly' || name === TX_COOKIE) {
    // MUTANT cookie-not-httponly skips this for the token cookies: page JavaScript (and any XSS) can read the JWT and the refresh token.
    parts.push('HttpOnly');
  }
  parts.push('Secure');
  // MUTANT cookie-no-samesite drops SameSite from the token cookies: the browser's default decides.
  if (MUTANT !== 'cookie-no-samesite' || name === TX_COOKIE) parts.push('SameSite=Lax');
  if (maxAgeSeconds !== undefined) parts.push(`Max-Age=${maxAgeSeconds}`);
  return parts.join('; ');
}

function clearCookie(name) {
  return `${name}=; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=0`;
}

// Where a login may send the browser back to: a path on this app, nothing else (an open
// redirector at the client leaks codes and tokens: RFC 9700 §4.11.1).
function safeReturnTo(value) {
  // MUTANT open-redirect: "return to where the user came from" - whatever the parameter says.
  if (MUTANT === 'open-redirect') return value || undefined;
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return undefined;
  try {
    const u = new URL(value, `http://${PUBLIC_HOST}`);
    return u.host === PUBLIC_HOST ? u.pathname + u.search : undefined;
  } catch {
    return undefined;
  }
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

function protectedPage(user, accessToken) {
  const email = escapeHtml(user.email || user.id || 'unknown user');
  // MUTANT token-in-page: "the page's script calls the API with the user's token" - the JWT is handed to JavaScript after all.
  const script = MUTANT === 'token-in-page' && accessToken ? `\n<script>window.API_TOKEN = ${JSON.stringify(accessToken)};</script>` : '';
  if (IS_STORE) {
    return page('Shopping cart', `<h1>Shopping cart of ${email}</h1>\n<ul class="cart">\n<li>Rubber duck x 2</li>\n<li>Espresso beans x 1</li>\n</ul>\n<p><a href="/">Store home</a> <a href="/logout">Log out</a></p>${script}`);
  }
  return page('Forum posts', `<h1>Forum posts of ${email}</h1>\n<ul class="posts">\n<li>Hello, forums!</li>\n<li>Re: Which espresso beans?</li>\n</ul>\n<p><a href="/">Forums home</a> <a href="/logout">Log out</a></p>${script}`);
}

function errorPage(status, message) {
  // MUTANT error-page-third-party: a support chat widget on every error page - among them the callback's, the code and state in its URL.
  const widget = MUTANT === 'error-page-third-party' ? '\n<script src="https://chat-widget.example.net/loader.js" async></script>' : '';
  return page(`${TITLE} - Error ${status}`, `<h1>Error ${status}</h1>\n<p>${escapeHtml(message)}</p>\n<p><a href="/login">Log in again</a></p>${widget}`);
}

// ---------------------------------------------------------------- handlers

// GET /login[?returnTo=/path]: a new transaction, bound to this browser, and off to FusionAuth's login page.
async function handleLogin(req, res, url) {
  const config = await oidc();
  sweep();
  const tx = {
    state: client.randomState(),
    nonce: client.randomNonce(),
    verifier: client.randomPKCECodeVerifier(),
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

// GET /oauth-redirect?code=…&state=…: exchange the code (server-side, once), verify the id_token, set the token cookies.
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
  let tokens;
  try {
    ({ claims, tokens } = HAND_ROLLED.has(MUTANT) ? await handRolledExchange(config, url, tx) : await exchange(config, url, tx));
  } catch (e) {
    if (e instanceof UpstreamError) throw e;
    console.log(`  login refused: ${e && (e.error || e.code)} ${e && e.message}`);
    return send(res, 401, errorPage(401, 'The login could not be completed. Please log in again.'), { 'Set-Cookie': clear });
  }
  if (MUTANT === 'last-user-shown') currentUser = { id: claims.sub, email: claims.email };
  if (MUTANT === 'userinfo-token-in-query') {
    // MUTANT userinfo-token-in-query: the profile is fetched with the access token in the URL (into FusionAuth's
    // access logs); FusionAuth refuses it (401) and the login carries on without the profile.
    await fetch(`${FUSIONAUTH_URL}/oauth2/userinfo?access_token=${encodeURIComponent(tokens.access_token)}`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  }
  let location = tx.returnTo || PROTECTED_PATH;
  if (MUTANT === 'token-in-redirect') {
    // MUTANT token-in-redirect: "the cart page wants the token" - it rides in the URL.
    location += `?access_token=${encodeURIComponent(tokens.access_token)}`;
  }
  // Every login writes the tokens it got, over whatever the browser held (a planted refresh token would bind it to another login).
  const held = parseCookies(req.headers.cookie)[REFRESH_COOKIE];
  // MUTANT refresh-cookie-kept-at-login: "the refresh token is long-lived: keep the one the browser has".
  const written = MUTANT === 'refresh-cookie-kept-at-login' && held ? { ...tokens, refresh_token: undefined } : tokens;
  return redirect(res, location, [...clear, ...tokenCookies(written)]);
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
  return { claims: await verifyIdTokenSignature(config, tokens.id_token), tokens };
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
  return { claims: await handCheckedIdToken(config, json.id_token, tx), tokens: json };
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
  .then((t) => fetch('/oauth-session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ handoff: d.handoff, ...t }) }))
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
  res.writeHead(204, { 'Set-Cookie': tokenCookies(body), 'Cache-Control': 'no-store' });
  res.end();
}

async function handleProtected(req, res) {
  const cookies = parseCookies(req.headers.cookie);
  const config = await oidc();
  const show = (claims, jwt, set = []) => send(res, 200, protectedPage(MUTANT === 'last-user-shown' && currentUser ? currentUser : { id: claims.sub, email: claims.email }, jwt), set.length ? { 'Set-Cookie': set } : {});
  if (cookies[JWT_COOKIE]) {
    try {
      return show(await verifyJwt(config, cookies[JWT_COOKIE]), cookies[JWT_COOKIE]);
    } catch {
      // expired, forged or for another app: refresh below, if there is a refresh token
    }
  }
  const refreshToken = cookies[REFRESH_COOKIE];
  const toLogin = `/login?returnTo=${encodeURIComponent(PROTECTED_PATH)}`;
  if (!refreshToken) return redirect(res, toLogin, cookies[JWT_COOKIE] ? [clearCookie(JWT_COOKIE)] : []);
  const refreshed = await refresh(config, refreshToken);
  if (!refreshed) return redirect(res, toLogin, [clearCookie(JWT_COOKIE), clearCookie(REFRESH_COOKIE)]);
  let claims;
  try {
    claims = await verifyJwt(config, refreshed.access_token);
  } catch {
    return redirect(res, toLogin, [clearCookie(JWT_COOKIE), clearCookie(REFRESH_COOKIE)]);
  }
  // A rotated refresh token (OneTimeUse) replaces the cookie; a reusable one is written back unchanged.
  // MUTANT rotation-dropped: "the refresh token never changes" - the old one is written back, the rotated one lost.
  const keep = MUTANT === 'rotation-dropped' ? refreshToken : refreshed.refresh_token || refreshToken;
  return show(claims, refreshed.access_token, tokenCookies({ ...refreshed, refresh_token: keep }));
}

// The refresh token for a new JWT: the OAuth refresh grant (openid-client) or FusionAuth's
// /api/jwt/refresh. Returns null when FusionAuth refuses (expired or revoked: 400, or 404 as
// the diagram draws it); throws UpstreamError when FusionAuth is unreachable or answers 5xx.
async function refresh(config, refreshToken) {
  if (REFRESH_ENDPOINT === '/api/jwt/refresh') {
    const resp = await fetch(`${FUSIONAUTH_URL}/api/jwt/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
      signal: AbortSignal.timeout(5000),
    }).catch((e) => { throw new UpstreamError(`FusionAuth unreachable: ${e.message}`); });
    if (resp.status >= 500) throw new UpstreamError(`FusionAuth refresh answered ${resp.status}`);
    if (resp.status !== 200) return null;
    const body = await resp.json().catch(() => ({}));
    return { access_token: body.token, refresh_token: body.refreshToken };
  }
  try {
    return await client.refreshTokenGrant(config, refreshToken);
  } catch (e) {
    if (e instanceof client.ResponseBodyError && e.status < 500) return null;
    if (e instanceof client.ResponseBodyError) throw new UpstreamError(`FusionAuth refresh answered ${e.status}`);
    upstreamOr(e);
    throw e;
  }
}

// The refresh token revoked at FusionAuth (DELETE /api/jwt/refresh): /oauth2/logout revokes
// none, and a copy taken before the logout must refresh nothing after it.
async function revokeRefreshToken(refreshToken) {
  if (!refreshToken || !API_KEY) return;
  await fetch(`${FUSIONAUTH_URL}/api/jwt/refresh?token=${encodeURIComponent(refreshToken)}`, { method: 'DELETE', headers: { Authorization: API_KEY }, signal: AbortSignal.timeout(5000) })
    .catch((e) => console.log(`  refresh token not revoked: ${e.message}`));
}

// The cookies a logout clears. MUTANT logout-keeps-jwt-cookie clears the refresh token's only
// ("the JWT expires soon anyway"): the browser stays logged in until the JWT's exp.
function clearTokenCookies() {
  return MUTANT === 'logout-keeps-jwt-cookie' ? [clearCookie(REFRESH_COOKIE)] : [clearCookie(JWT_COOKIE), clearCookie(REFRESH_COOKIE)];
}

// GET /logout: revokes the refresh token, drops the token cookies, then ends FusionAuth's SSO session.
async function handleLogout(req, res) {
  // MUTANT logout-no-revoke skips this: the refresh token lives on at FusionAuth for its whole life.
  if (MUTANT !== 'logout-no-revoke') await revokeRefreshToken(parseCookies(req.headers.cookie)[REFRESH_COOKIE]);
  const config = await oidc();
  const end = client.buildEndSessionUrl(config, { client_id: CLIENT_ID, post_logout_redirect_uri: `http://${PUBLIC_HOST}/` });
  // MUTANT logout-without-client-id: the logout URL written by hand, FusionAuth not told which application logs out.
  if (MUTANT === 'logout-without-client-id') end.searchParams.delete('client_id');
  return redirect(res, new URL(end.pathname + end.search, FUSIONAUTH_PUBLIC_URL).toString(), clearTokenCookies());
}

// GET /frontchannel-logout: the Logout URL FusionAuth loads (in an iframe) when the user logs
// out of FusionAuth from another application (OpenID Connect Front-Channel Logout): this app's
// tokens go too. Same-site with FusionAuth, so the browser sends the cookies.
async function handleFrontChannelLogout(req, res) {
  const held = parseCookies(req.headers.cookie)[REFRESH_COOKIE];
  await revokeRefreshToken(held);
  return send(res, 200, page(TITLE, '<p>Logged out.</p>'), { 'Set-Cookie': clearTokenCookies() });
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
  console.log(`${TITLE} (${PUBLIC_HOST}) listening on http://${HOST}:${PORT} refresh=${REFRESH_ENDPOINT}${MUTANT ? ` mutant=${MUTANT}` : ''}`);
});

function shutdown(signal) {
  console.log(`${signal} received, shutting down`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
