'use strict';
// Reference backend for the FusionAuth workflow "webapp-sessions":
// a native login form POSTs to this backend, which calls FusionAuth's Login API,
// keeps the user (and the JWT and refresh token) in a server-side session and hands
// the browser only the session id, in an HttpOnly cookie for its own host.
//
// One file, Node 20 built-ins only. APP_ROLE=store|forums picks the role.
// LOGINFLOW_MUTANT=<name> switches on exactly one deliberate defect (see MUTANTS);
// every defect is a small branch marked "MUTANT".

const http = require('node:http');
const crypto = require('node:crypto');
const { performance } = require('node:perf_hooks');

// ---------------------------------------------------------------- configuration

const env = process.env;
const ROLE = env.APP_ROLE || 'store';
const FUSIONAUTH_URL = (env.FUSIONAUTH_URL || 'http://127.0.0.1:9011').replace(/\/+$/, '');
const API_KEY = env.FUSIONAUTH_API_KEY || '';
const APPLICATION_ID = env.FUSIONAUTH_APPLICATION_ID || '';
const PORT = Number(env.PORT || (ROLE === 'forums' ? 3001 : 3000));
const HOST = env.HOST || '127.0.0.1';
const PUBLIC_HOST = env.PUBLIC_HOST || (ROLE === 'forums' ? 'forums.example.test' : 'store.example.test');
const SESSION_TTL_SECONDS = parseFloat(env.SESSION_TTL_SECONDS || '2');
const MUTANT = env.LOGINFLOW_MUTANT || '';
// Test knobs, off by default: a recognisable prefix for session ids and one more cookie set at
// login, so the kit's planted-secret test can look for both in everything the kit writes.
const SESSION_ID_PREFIX = env.SESSION_ID_PREFIX || '';
const EXTRA_COOKIE = env.EXTRA_COOKIE || '';
// FUSIONAUTH_CLIENT_SECRET, FUSIONAUTH_JWT_HMAC_SECRET and FUSIONAUTH_ISSUER are part of the
// env contract but unused here: the session, not the JWT, authenticates the browser.

const FETCH_TIMEOUT_MS = 5000;
const SESSION_COOKIE = 'sid';
const TTL_MS = SESSION_TTL_SECONDS * 1000;

const MUTANTS = [
  'session-not-extended',
  'session-never-expires',
  'tokens-in-cookies',
  'session-cookie-not-httponly',
  'session-fixation',
  'predictable-session-id',
  'expired-session-empty-cart',
  'last-user-shown',
  'login-form-get',
  'session-id-in-query',
];

if (ROLE !== 'store' && ROLE !== 'forums') {
  console.error(`APP_ROLE must be "store" or "forums", got "${ROLE}"`);
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

// ---------------------------------------------------------------- sessions

// id -> { user: { id, email }, jwt, refreshToken, expiresAt } ; expiresAt on the wall clock (ms),
// as a session store keeps it (a database row, a cookie-session's expiry): so the session
// outlives a restart, and a test kit that moves the wall clock (libfaketime) can expire it.
const sessions = new Map();
// MUTANT last-user-shown: "the page greets the current user" - one module-level variable,
// set at every login, so every browser with a live session sees the last user who logged in.
let currentUser = null;
let sessionCounter = 0;

function now() {
  return Date.now();
}

function newSessionId() {
  if (MUTANT === 'predictable-session-id') {
    // MUTANT predictable-session-id: "unique is enough" - a counter, trivially guessable.
    sessionCounter += 1;
    return `s-${String(sessionCounter).padStart(6, '0')}`;
  }
  return SESSION_ID_PREFIX + crypto.randomBytes(32).toString('base64url'); // 256 bits
}

function sweepExpired() {
  if (MUTANT === 'session-never-expires') return; // MUTANT session-never-expires: nothing is ever swept.
  const t = now();
  for (const [id, s] of sessions) if (t > s.expiresAt) sessions.delete(id);
}

// Returns the live session for id (sliding its expiry), or null.
function useSession(id) {
  if (!id) return null;
  const s = sessions.get(id);
  if (!s) return null;
  const t = now();
  if (MUTANT !== 'session-never-expires') {
    // MUTANT session-never-expires skips this: an idle session lives forever.
    if (t > s.expiresAt) {
      sessions.delete(id);
      return null;
    }
  }
  if (MUTANT !== 'session-not-extended') {
    // MUTANT session-not-extended skips this: the session dies TTL after login, however busy.
    s.expiresAt = t + TTL_MS;
  }
  return s;
}

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
  }
  return out;
}

// The session cookie: Path=/; HttpOnly; Secure; SameSite=Lax; host-only (no Domain),
// no Max-Age (a browser-session cookie; the server decides when the session ends).
function cookieValue(value) {
  return /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/.test(value) ? value : encodeURIComponent(value);
}

function sessionCookie(id) {
  const parts = [`${SESSION_COOKIE}=${cookieValue(id)}`, 'Path=/'];
  if (MUTANT !== 'session-cookie-not-httponly') {
    // MUTANT session-cookie-not-httponly skips this: page JavaScript can read the session id.
    parts.push('HttpOnly');
  }
  parts.push('Secure', 'SameSite=Lax');
  return parts.join('; ');
}

function tokenCookie(name, value) {
  return `${name}=${cookieValue(value)}; Path=/; HttpOnly`;
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

// ---------------------------------------------------------------- pages

function homePage() {
  return page(TITLE, `<h1>${TITLE}</h1>\n<p>Welcome to the ${IS_STORE ? 'store' : 'forums'}.</p>\n<p><a href="/login">Log in</a></p>`);
}

function loginPage(error) {
  const err = error ? `<p class="error" role="alert">${escapeHtml(error)}</p>\n` : '';
  return page(`${TITLE} - Log in`,
    `<h1>Log in to the ${TITLE}</h1>\n${err}` +
    // MUTANT login-form-get: the form is sent with GET, so the password ends up in the URL.
    `<form method="${MUTANT === 'login-form-get' ? 'get' : 'post'}" action="/login">\n` +
    '<label>Email <input type="email" name="email"></label>\n' +
    '<label>Password <input type="password" name="password"></label>\n' +
    '<button type="submit">Log in</button>\n</form>');
}

function protectedPage(user) {
  const email = escapeHtml(user.email || user.username || user.id || 'unknown user');
  if (IS_STORE) {
    return page('Shopping cart',
      `<h1>Shopping cart of ${email}</h1>\n<ul class="cart">\n<li>Rubber duck x 2</li>\n<li>Espresso beans x 1</li>\n</ul>\n<p><a href="/">Store home</a></p>`);
  }
  return page('Forum posts',
    `<h1>Forum posts of ${email}</h1>\n<ul class="posts">\n<li>Hello, forums!</li>\n<li>Re: Which espresso beans?</li>\n</ul>\n<p><a href="/">Forums home</a></p>`);
}

function emptyPage() {
  if (IS_STORE) {
    return page('Shopping cart', '<h1>Shopping cart</h1>\n<p>Your cart is empty</p>\n<p><a href="/">Store home</a></p>');
  }
  return page('Forum posts', '<h1>Forum posts</h1>\n<p>There are no posts</p>\n<p><a href="/">Forums home</a></p>');
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

async function handleLogin(req, res, query) {
  let email = '';
  let password = '';
  if (query) {
    email = query.get('email') || '';
    password = query.get('password') || '';
  } else try {
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
  if (resp.status !== 200) {
    const why = {
      202: 'You are not registered for this application.',
      203: 'Your password must be changed before you can log in.',
      212: 'Your email address has not been verified.',
      213: 'Your registration has not been verified.',
      242: 'Two-factor authentication is required.',
      409: 'Your account is prevented from logging in.',
      410: 'Your account has expired.',
      423: 'Your account is locked.',
    }[resp.status] || 'Invalid email or password.';
    return send(res, 401, loginPage(why));
  }
  const user = body.user;
  if (!user || typeof user !== 'object' || typeof user.id !== 'string') {
    return send(res, 502, errorPage(502, 'FusionAuth answered the login without a user.'));
  }

  // Never reuse the id the browser arrived with (session fixation): drop the old session
  // and issue a fresh id.
  const oldId = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (oldId) sessions.delete(oldId);
  sweepExpired();
  let id = newSessionId();
  if (MUTANT === 'session-fixation' && oldId) {
    // MUTANT session-fixation: "keep the browser's session, just log it in" - whatever id
    // the request carried (an attacker's planted value included) becomes the logged-in session.
    id = oldId;
  }
  sessions.set(id, {
    user: { id: user.id, email: user.email, username: user.username },
    jwt: typeof body.token === 'string' ? body.token : null,
    refreshToken: typeof body.refreshToken === 'string' ? body.refreshToken : null,
    expiresAt: now() + TTL_MS,
  });

  if (MUTANT === 'last-user-shown') currentUser = { id: user.id, email: user.email, username: user.username };
  const cookies = [sessionCookie(id)];
  if (EXTRA_COOKIE) cookies.push(`${EXTRA_COOKIE}; Path=/; HttpOnly; Secure; SameSite=Lax`);
  if (MUTANT === 'tokens-in-cookies') {
    // MUTANT tokens-in-cookies: "for convenience" the FusionAuth tokens ride along in cookies.
    if (typeof body.token === 'string') cookies.push(tokenCookie('fa_jwt', body.token));
    if (typeof body.refreshToken === 'string') cookies.push(tokenCookie('fa_rt', body.refreshToken));
  }
  return redirect(res, PROTECTED_PATH, cookies);
}

async function handleProtected(req, res) {
  let id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
  if (!id && MUTANT === 'session-id-in-query') {
    // MUTANT session-id-in-query: "support browsers without cookies" - a session id in the
    // query string is as good as the cookie, so a shared link logs its reader in.
    id = new URL(req.url, 'http://localhost').searchParams.get(SESSION_COOKIE) || undefined;
  }
  const session = useSession(id);
  if (session) return send(res, 200, protectedPage(MUTANT === 'last-user-shown' && currentUser ? currentUser : session.user));
  if (MUTANT === 'expired-session-empty-cart' && id) {
    // MUTANT expired-session-empty-cart: an expired or unknown session is treated as an
    // anonymous visitor with an empty cart instead of being sent to log in.
    return send(res, 200, emptyPage());
  }
  return redirect(res, '/login');
}

async function route(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const path = url.pathname;
  const method = req.method;
  if (method === 'GET' && path === '/') return send(res, 200, homePage());
  if (method === 'GET' && path === '/login' && MUTANT === 'login-form-get' && url.searchParams.has('password')) return handleLogin(req, res, url.searchParams);
  if (method === 'GET' && path === '/login') return send(res, 200, loginPage(url.searchParams.get('error')));
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
    ` sessionTtl=${SESSION_TTL_SECONDS}s${MUTANT ? ` mutant=${MUTANT}` : ''}`);
});

function shutdown(signal) {
  console.log(`${signal} received, shutting down`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
