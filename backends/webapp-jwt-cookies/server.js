'use strict';
// Reference backend for the FusionAuth workflow "webapp-jwt-cookies":
// a native login form POSTs to this backend, which calls FusionAuth's Login API
// and keeps the JWT and the refresh token in HttpOnly cookies.
//
// One file, Node 20 built-ins only. APP_ROLE=store|forums picks the role.
// LOGINFLOW_MUTANT=<name> switches on exactly one deliberate defect (see MUTANTS);
// every defect is a small branch marked "MUTANT".

const http = require('node:http');
const crypto = require('node:crypto');

// ---------------------------------------------------------------- configuration

const env = process.env;
const ROLE = env.APP_ROLE || 'store';
const FUSIONAUTH_URL = (env.FUSIONAUTH_URL || 'http://127.0.0.1:9011').replace(/\/+$/, '');
const API_KEY = env.FUSIONAUTH_API_KEY || '';
const APPLICATION_ID = env.FUSIONAUTH_APPLICATION_ID || '';
const CLIENT_SECRET = env.FUSIONAUTH_CLIENT_SECRET || '';
const HMAC_SECRET = env.FUSIONAUTH_JWT_HMAC_SECRET || '';
const ISSUER = env.FUSIONAUTH_ISSUER || 'acme.com';
// Where the browser reaches FusionAuth; only the browser-side-login mutants use it.
const FUSIONAUTH_PUBLIC_URL = (env.FUSIONAUTH_PUBLIC_URL || 'http://auth.example.test').replace(/\/+$/, '');
const PORT = Number(env.PORT || (ROLE === 'forums' ? 3001 : 3000));
const HOST = env.HOST || '127.0.0.1';
const PUBLIC_HOST = env.PUBLIC_HOST || (ROLE === 'forums' ? 'forums.example.test' : 'store.example.test');
// The kit says which refresh endpoint a run wants (FUSIONAUTH_REFRESH_ENDPOINT, when the config
// declares both); REFRESH_ENDPOINT is this app's own setting.
const REFRESH_ENDPOINT = env.REFRESH_ENDPOINT || ({ '/oauth2/token': 'oauth2-token', '/api/jwt/refresh': 'jwt-refresh' }[env.FUSIONAUTH_REFRESH_ENDPOINT] ?? 'jwt-refresh');
const MUTANT = env.LOGINFLOW_MUTANT || '';
// COOKIE_ENCODING: how the tokens sit in their cookies, as apps do it (not a defect):
//   plain (default) the bare token | json  cookie-parser's j:{"token": …} | base64json  base64url of {"token": …}
//   sealed  AES-256-GCM encrypted (opaque: nothing in the cookie is readable without the key)
const COOKIE_ENCODING = env.COOKIE_ENCODING || 'plain';
const SEAL_KEY = require('node:crypto').createHash('sha256').update(`loginflow-seal:${HMAC_SECRET}`).digest();

const FETCH_TIMEOUT_MS = 5000;
const JWT_COOKIE = 'app_jwt';
const REFRESH_COOKIE = 'app_refresh';
const REFRESH_COOKIE_MAX_AGE = 30 * 24 * 60 * 60; // 30 days, in seconds

const MUTANTS = [
  'cookies-not-httponly',
  'jwt-not-verified',
  'aud-not-checked',
  'expired-accepted',
  'no-refresh',
  'refreshed-jwt-not-written',
  'only-404-is-refresh-failure',
  'forums-cookie-parent-domain',
  'rotated-refresh-token-dropped',
  'no-secure-samesite',
  'last-user-shown',
  'login-accepts-2xx',
  'token-in-redirect',
  'refresh-every-request',
  'browser-calls-login-api',
  'password-redirected-to-fusionauth',
];

if (ROLE !== 'store' && ROLE !== 'forums') {
  console.error(`APP_ROLE must be "store" or "forums", got "${ROLE}"`);
  process.exit(1);
}
if (REFRESH_ENDPOINT !== 'jwt-refresh' && REFRESH_ENDPOINT !== 'oauth2-token') {
  console.error(`REFRESH_ENDPOINT must be "jwt-refresh" or "oauth2-token", got "${REFRESH_ENDPOINT}"`);
  process.exit(1);
}
if (!['plain', 'json', 'base64json', 'sealed'].includes(COOKIE_ENCODING)) {
  console.error(`COOKIE_ENCODING must be plain, json, base64json or sealed, got "${COOKIE_ENCODING}"`);
  process.exit(1);
}
if (MUTANT && !MUTANTS.includes(MUTANT)) {
  console.error(`unknown LOGINFLOW_MUTANT "${MUTANT}"; known: ${MUTANTS.join(', ')}`);
  process.exit(1);
}

const IS_STORE = ROLE === 'store';
const TITLE = IS_STORE ? 'Store' : 'Forums';
const PROTECTED_PATH = IS_STORE ? '/shopping-cart' : '/posts';

// ---------------------------------------------------------------- helpers

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
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    let value = part.slice(i + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    if (!name || name in out) continue; // first occurrence wins (most specific path)
    try { out[name] = decodeURIComponent(value); } catch { out[name] = value; }
    if (name === JWT_COOKIE || name === REFRESH_COOKIE) out[name] = unwrap(out[name]);
  }
  return out;
}

function wrap(token) {
  if (!token || COOKIE_ENCODING === 'plain') return token;
  if (COOKIE_ENCODING === 'json') return `j:${JSON.stringify({ token })}`;
  if (COOKIE_ENCODING === 'base64json') return Buffer.from(JSON.stringify({ token })).toString('base64url');
  const crypto = require('node:crypto');
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', SEAL_KEY, iv);
  const body = Buffer.concat([c.update(token, 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
}

// A cookie this app cannot read counts as no cookie (a tampered or foreign value).
function unwrap(value) {
  try {
    if (COOKIE_ENCODING === 'plain') return value;
    if (COOKIE_ENCODING === 'json') return value.startsWith('j:') ? JSON.parse(value.slice(2)).token : undefined;
    if (COOKIE_ENCODING === 'base64json') return JSON.parse(Buffer.from(value, 'base64url').toString('utf8')).token;
    const raw = Buffer.from(value, 'base64url');
    const d = require('node:crypto').createDecipheriv('aes-256-gcm', SEAL_KEY, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

// Builds a Set-Cookie value with the attributes this workflow requires:
// HttpOnly; Secure; SameSite=Lax; Path=/; host-only (no Domain attribute).
function cookie(name, token, maxAge) {
  const value = wrap(token);
  const v = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/.test(value) ? value : encodeURIComponent(value);
  const parts = [`${name}=${v}`, `Max-Age=${Math.max(0, Math.floor(maxAge))}`, 'Path=/'];
  if (MUTANT === 'forums-cookie-parent-domain') {
    // MUTANT forums-cookie-parent-domain: "share the login with the forums" by scoping
    // the cookies to the parent domain (store.example.test -> example.test).
    const parent = PUBLIC_HOST.split('.').slice(1).join('.');
    if (parent) parts.push(`Domain=${parent}`);
  }
  if (MUTANT !== 'cookies-not-httponly') {
    // MUTANT cookies-not-httponly skips this: page JavaScript can read the tokens.
    parts.push('HttpOnly');
  }
  if (MUTANT !== 'no-secure-samesite') {
    // MUTANT no-secure-samesite skips this: cookies travel over plain HTTP and cross-site.
    parts.push('Secure', 'SameSite=Lax');
  }
  return parts.join('; ');
}

function clearCookies() {
  return [cookie(JWT_COOKIE, '', 0), cookie(REFRESH_COOKIE, '', 0)];
}

function b64urlDecode(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('bad base64url');
  return Buffer.from(s, 'base64url');
}

function decodeJwt(token) {
  if (typeof token !== 'string') throw new Error('not a string');
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  const header = JSON.parse(b64urlDecode(parts[0]).toString('utf8'));
  const payload = JSON.parse(b64urlDecode(parts[1]).toString('utf8'));
  if (!header || typeof header !== 'object' || !payload || typeof payload !== 'object') throw new Error('bad JSON');
  return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: b64urlDecode(parts[2]) };
}

// Seconds until the token's exp (for the JWT cookie's Max-Age); null when unknown.
function secondsToExpiry(token) {
  try {
    const { payload } = decodeJwt(token);
    if (typeof payload.exp === 'number') return Math.max(0, payload.exp - Math.floor(Date.now() / 1000));
  } catch { /* fall through */ }
  return null;
}

async function upstream(path, init) {
  try {
    return await fetch(FUSIONAUTH_URL + path, { ...init, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'manual' });
  } catch (e) {
    throw new UpstreamError(`FusionAuth unreachable (${path}): ${e && e.message}`);
  }
}

async function readJson(resp) {
  const text = await resp.text();
  if (!text) return {};
  try { return JSON.parse(text); } catch { return {}; }
}

// ---------------------------------------------------------------- JWT verification

let jwksCache = null; // Map kid -> KeyObject
// MUTANT last-user-shown: "the page greets the current user" - one module-level variable,
// set at every login, so every browser with a valid JWT sees the last user who logged in.
let currentUser = null;

async function fetchJwks() {
  const resp = await upstream('/.well-known/jwks.json', { headers: { Accept: 'application/json' } });
  if (resp.status !== 200) throw new UpstreamError(`JWKS answered ${resp.status}`);
  const body = await readJson(resp);
  const keys = new Map();
  for (const jwk of Array.isArray(body.keys) ? body.keys : []) {
    if (!jwk || jwk.kty !== 'RSA' || typeof jwk.kid !== 'string') continue;
    try {
      keys.set(jwk.kid, crypto.createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' }));
    } catch { /* skip unusable key */ }
  }
  jwksCache = keys;
  return keys;
}

async function rsaKeyFor(kid) {
  if (typeof kid !== 'string') return null;
  if (jwksCache && jwksCache.has(kid)) return jwksCache.get(kid);
  // Unknown kid (or nothing cached yet): fetch the JWKS once more.
  const keys = await fetchJwks();
  return keys.get(kid) || null;
}

async function checkSignature(header, signingInput, signature) {
  if (header.alg === 'HS256') {
    if (!HMAC_SECRET) return 'HS256 token but no HMAC secret configured';
    const expected = crypto.createHmac('sha256', HMAC_SECRET).update(signingInput).digest();
    if (signature.length !== expected.length || !crypto.timingSafeEqual(signature, expected)) return 'bad signature';
    return null;
  }
  if (header.alg === 'RS256') {
    const key = await rsaKeyFor(header.kid);
    if (!key) return `no JWKS key for kid ${header.kid}`;
    const ok = crypto.verify('sha256', Buffer.from(signingInput), { key, padding: crypto.constants.RSA_PKCS1_PADDING }, signature);
    return ok ? null : 'bad signature';
  }
  return `alg ${JSON.stringify(header.alg)} not accepted`; // rejects "none" and everything else
}

function audMatches(aud) {
  return aud === APPLICATION_ID || (Array.isArray(aud) && aud.includes(APPLICATION_ID));
}

// Returns { ok: true, claims } or { ok: false, reason }. Throws UpstreamError when the JWKS is unreachable.
async function verifyJwt(token) {
  let decoded;
  try { decoded = decodeJwt(token); } catch (e) { return { ok: false, reason: `malformed: ${e.message}` }; }
  const { header, payload } = decoded;
  const now = Math.floor(Date.now() / 1000);

  if (MUTANT === 'jwt-not-verified') {
    // MUTANT jwt-not-verified: "just decode it, FusionAuth issued it anyway" - no signature
    // or alg check (alg none and forged signatures pass), only exp and aud are looked at.
    if (typeof payload.exp !== 'number' || payload.exp <= now) return { ok: false, reason: 'expired' };
    if (!audMatches(payload.aud)) return { ok: false, reason: 'wrong aud' };
    return { ok: true, claims: payload };
  }

  const sigError = await checkSignature(header, decoded.signingInput, decoded.signature);
  if (sigError) return { ok: false, reason: sigError };
  if (payload.iss !== ISSUER) return { ok: false, reason: `wrong iss ${payload.iss}` };
  if (MUTANT !== 'aud-not-checked') {
    // MUTANT aud-not-checked skips this: a token minted for another application is accepted.
    if (!audMatches(payload.aud)) return { ok: false, reason: `wrong aud ${payload.aud}` };
  }
  if (MUTANT !== 'expired-accepted') {
    // MUTANT expired-accepted skips this: an expired JWT still opens the page.
    if (typeof payload.exp !== 'number' || payload.exp <= now) return { ok: false, reason: 'expired' };
  }
  if (typeof payload.nbf === 'number' && payload.nbf > now + 60) return { ok: false, reason: 'not yet valid' };
  return { ok: true, claims: payload };
}

// ---------------------------------------------------------------- refresh

// Returns { status, token, refreshToken } ; throws UpstreamError when FusionAuth is unreachable.
async function refreshJwt(refreshToken) {
  let resp;
  if (REFRESH_ENDPOINT === 'oauth2-token') {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: APPLICATION_ID,
      client_secret: CLIENT_SECRET,
    });
    resp = await upstream('/oauth2/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: form.toString(),
    });
    const body = await readJson(resp);
    return { status: resp.status, token: body.access_token, refreshToken: body.refresh_token };
  }
  resp = await upstream('/api/jwt/refresh', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ refreshToken }),
  });
  const body = await readJson(resp);
  return { status: resp.status, token: body.token, refreshToken: body.refreshToken };
}

// ---------------------------------------------------------------- pages

function homePage() {
  return page(TITLE, `<h1>${TITLE}</h1>\n<p>Welcome to the ${IS_STORE ? 'store' : 'forums'}.</p>\n<p><a href="/login">Log in</a></p>`);
}

function loginPage(error) {
  const err = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>\n` : '';
  return page(`${TITLE} - Log in`,
    `<h1>Log in to the ${TITLE}</h1>\n${err}` +
    // MUTANT browser-calls-login-api: the page posts the credentials to FusionAuth's Login API
    // itself ("one hop less"), so the browser, not the backend, talks to FusionAuth.
    `<form method="post" action="${MUTANT === 'browser-calls-login-api' ? `${FUSIONAUTH_PUBLIC_URL}/api/login` : '/login'}">\n` +
    '<label>Email <input type="email" name="email"></label>\n' +
    '<label>Password <input type="password" name="password"></label>\n' +
    '<button type="submit">Log in</button>\n</form>');
}

function protectedPage(claims) {
  const email = escapeHtml(claims.email || claims.sub || 'unknown user');
  if (IS_STORE) {
    return page('Shopping cart',
      `<h1>Shopping cart of ${email}</h1>\n<ul class="cart">\n<li>Rubber duck x 2</li>\n<li>Espresso beans x 1</li>\n</ul>\n<p><a href="/">Store home</a></p>`);
  }
  return page('Forum posts',
    `<h1>Forum posts of ${email}</h1>\n<ul class="posts">\n<li>Hello, forums!</li>\n<li>Re: Which espresso beans?</li>\n</ul>\n<p><a href="/">Forums home</a></p>`);
}

function errorPage(status, message) {
  return page(`${TITLE} - Error ${status}`, `<h1>Error ${status}</h1>\n<p>${escapeHtml(message)}</p>`);
}

// ---------------------------------------------------------------- handlers

async function readBody(req, limit = 64 * 1024) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function handleLogin(req, res) {
  if (MUTANT === 'password-redirected-to-fusionauth') {
    // MUTANT password-redirected-to-fusionauth: "let FusionAuth handle the login" with a 307,
    // which makes the browser re-send the form, password included, to FusionAuth itself.
    await readBody(req);
    res.writeHead(307, { Location: `${FUSIONAUTH_PUBLIC_URL}/api/login`, 'Cache-Control': 'no-store' });
    return res.end();
  }
  let email = '';
  let password = '';
  try {
    const raw = await readBody(req);
    const type = String(req.headers['content-type'] || '').toLowerCase();
    if (type.includes('application/json')) {
      const body = JSON.parse(raw || '{}');
      email = body.email ?? body.loginId ?? '';
      password = body.password ?? '';
    } else {
      const form = new URLSearchParams(raw);
      email = form.get('email') || form.get('loginId') || '';
      password = form.get('password') || '';
    }
  } catch {
    return send(res, 400, loginPage('Could not read the login form.'));
  }
  if (typeof email !== 'string' || typeof password !== 'string' || !email || !password) {
    return send(res, 401, loginPage('Please enter your email and password.'));
  }

  const resp = await upstream('/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: API_KEY },
    body: JSON.stringify({ loginId: email, password, applicationId: APPLICATION_ID }),
  });
  const body = await readJson(resp);
  // MUTANT login-accepts-2xx: "2xx is success" - 202 (not registered), 203, 212, 213 and 242
  // are not failures to this check, so a user FusionAuth did not log in gets cookies.
  const failed = MUTANT === 'login-accepts-2xx' ? !resp.ok : resp.status !== 200;
  if (failed) {
    const why = {
      202: 'You are not registered for this application.',
      203: 'Your password must be changed before you can log in.',
      242: 'Two-factor authentication is required.',
      409: 'Your account is prevented from logging in.',
      410: 'Your account has expired.',
      423: 'Your account is locked.',
    }[resp.status] || 'Invalid email or password.';
    return send(res, 401, loginPage(why));
  }
  if (typeof body.token !== 'string' || !body.token) {
    return send(res, 502, errorPage(502, 'FusionAuth answered the login without a JWT.'));
  }

  let jwtMaxAge = secondsToExpiry(body.token);
  if (jwtMaxAge === null && typeof body.tokenExpirationInstant === 'number') {
    jwtMaxAge = Math.max(0, Math.floor((body.tokenExpirationInstant - Date.now()) / 1000));
  }
  if (jwtMaxAge === null) jwtMaxAge = 3600;
  const cookies = [cookie(JWT_COOKIE, body.token, jwtMaxAge)];
  if (typeof body.refreshToken === 'string' && body.refreshToken) {
    cookies.push(cookie(REFRESH_COOKIE, body.refreshToken, REFRESH_COOKIE_MAX_AGE));
  }
  if (MUTANT === 'last-user-shown') currentUser = body.user || null;
  if (MUTANT === 'token-in-redirect') {
    // MUTANT token-in-redirect: "hand the JWT to the page's script" - in the redirect URL,
    // where logs, history and Referer headers keep it.
    return redirect(res, `${PROTECTED_PATH}?token=${encodeURIComponent(body.token)}`, cookies);
  }
  return redirect(res, PROTECTED_PATH, cookies);
}

async function handleProtected(req, res) {
  const cookies = parseCookies(req.headers.cookie);
  const jwt = cookies[JWT_COOKIE];
  const refreshToken = cookies[REFRESH_COOKIE];

  if (jwt) {
    const result = await verifyJwt(jwt);
    // MUTANT refresh-every-request: "always hand out a fresh JWT" - a valid JWT is refreshed
    // anyway, so every page load costs a FusionAuth call (and rotates OneTimeUse tokens).
    if (result.ok && !(MUTANT === 'refresh-every-request' && refreshToken)) return send(res, 200, protectedPage(MUTANT === 'last-user-shown' && currentUser ? currentUser : result.claims));
    if (!result.ok) console.log(`  JWT rejected: ${result.reason}`);
  }
  if (!refreshToken) {
    return redirect(res, '/login', jwt ? clearCookies() : []);
  }

  if (MUTANT === 'no-refresh') {
    // MUTANT no-refresh: "expired means log in again" - the refresh cookie is ignored.
    return redirect(res, '/login');
  }

  const refreshed = await refreshJwt(refreshToken);
  if (refreshed.status !== 200) {
    if (MUTANT === 'only-404-is-refresh-failure') {
      // MUTANT only-404-is-refresh-failure: follows the diagram literally; real FusionAuth's
      // 400 for an expired/revoked refresh token ends up as an unhandled error.
      if (refreshed.status === 404) return redirect(res, '/login', clearCookies());
      return send(res, 500, errorPage(500, `Unexpected refresh response ${refreshed.status}`));
    }
    if (refreshed.status >= 400 && refreshed.status < 500) {
      // Expired, unknown or revoked refresh token (FusionAuth: 400; the diagram: 404).
      return redirect(res, '/login', clearCookies());
    }
    return send(res, 502, errorPage(502, `FusionAuth refresh answered ${refreshed.status}.`));
  }

  const result = typeof refreshed.token === 'string' ? await verifyJwt(refreshed.token) : { ok: false, reason: 'no token in refresh answer' };
  if (!result.ok) {
    console.log(`  refreshed JWT rejected: ${result.reason}`);
    return redirect(res, '/login', clearCookies());
  }

  const setCookies = [];
  if (MUTANT !== 'refreshed-jwt-not-written') {
    // MUTANT refreshed-jwt-not-written skips this: every later request refreshes again.
    setCookies.push(cookie(JWT_COOKIE, refreshed.token, secondsToExpiry(refreshed.token) ?? 3600));
  }
  if (typeof refreshed.refreshToken === 'string' && refreshed.refreshToken && refreshed.refreshToken !== refreshToken) {
    if (MUTANT !== 'rotated-refresh-token-dropped') {
      // MUTANT rotated-refresh-token-dropped skips this: with the OneTimeUse policy the browser
      // keeps the revoked refresh token and the next refresh fails.
      setCookies.push(cookie(REFRESH_COOKIE, refreshed.refreshToken, REFRESH_COOKIE_MAX_AGE));
    }
  }
  return send(res, 200, protectedPage(MUTANT === 'last-user-shown' && currentUser ? currentUser : result.claims), setCookies.length ? { 'Set-Cookie': setCookies } : {});
}

async function route(req, res) {
  const path = new URL(req.url, 'http://localhost').pathname;
  const method = req.method;
  if (method === 'GET' && path === '/') return send(res, 200, homePage());
  if (method === 'GET' && path === '/login') {
    const error = new URL(req.url, 'http://localhost').searchParams.get('error');
    return send(res, 200, loginPage(error));
  }
  if (method === 'POST' && path === '/login') return handleLogin(req, res);
  if (method === 'GET' && path === PROTECTED_PATH) return handleProtected(req, res);
  return send(res, 404, errorPage(404, 'Not found.'));
}

// ---------------------------------------------------------------- server

const server = http.createServer((req, res) => {
  const started = Date.now();
  res.on('finish', () => {
    console.log(`${new Date().toISOString()} ${ROLE} ${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
  });
  route(req, res).catch((e) => {
    const upstreamDown = e instanceof UpstreamError;
    if (!upstreamDown) console.error(e);
    else console.log(`  ${e.message}`);
    if (res.headersSent) return res.destroy();
    send(res, upstreamDown ? 502 : 500, errorPage(upstreamDown ? 502 : 500,
      upstreamDown ? 'The login service is unavailable. Please try again later.' : 'Internal error.'));
  });
});

server.listen(PORT, HOST, () => {
  console.log(`${TITLE} (${PUBLIC_HOST}) listening on http://${HOST}:${PORT}` +
    ` refresh=${REFRESH_ENDPOINT}${MUTANT ? ` mutant=${MUTANT}` : ''}`);
});

function shutdown(signal) {
  console.log(`${signal} received, shutting down`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
