'use strict';
// Reference backend for the FusionAuth workflow "spa-localstorage-jwt":
// a single-page app whose login form POSTs straight to FusionAuth's Login API from the
// browser, keeps the JWT in localStorage and leaves the refresh token in FusionAuth's own
// HttpOnly `refresh_token` cookie (FusionAuth host). This server only hands out the static
// SPA and a JSON API that verifies the Bearer JWT itself.
//
// One file, Node 20 built-ins only. APP_ROLE=store|forums picks the role.
// LOGINFLOW_MUTANT=<name> switches on exactly one deliberate defect (see MUTANTS);
// every defect is a small branch marked "MUTANT" (in the server or in the served script).

const http = require('node:http');
const crypto = require('node:crypto');

// ---------------------------------------------------------------- configuration

const env = process.env;
const ROLE = env.APP_ROLE || 'store';
const FUSIONAUTH_URL = (env.FUSIONAUTH_URL || 'http://127.0.0.1:9011').replace(/\/+$/, '');
// The URL the *browser* reaches FusionAuth at (the SPA calls FusionAuth directly).
const FUSIONAUTH_PUBLIC_URL = (env.FUSIONAUTH_PUBLIC_URL || FUSIONAUTH_URL).replace(/\/+$/, '');
const APPLICATION_ID = env.FUSIONAUTH_APPLICATION_ID || '';
const HMAC_SECRET = env.FUSIONAUTH_JWT_HMAC_SECRET || '';
const ISSUER = env.FUSIONAUTH_ISSUER || 'acme.com';
const PORT = Number(env.PORT || (ROLE === 'forums' ? 3001 : 3000));
const HOST = env.HOST || '127.0.0.1';
const PUBLIC_HOST = env.PUBLIC_HOST || (ROLE === 'forums' ? 'forums.example.test' : 'store.example.test');
const MUTANT = env.LOGINFLOW_MUTANT || '';
// SPA_STYLE=app-shell: the same app shaped as many real ones are (not a defect): it starts at
// /app, keeps {"token": <JWT>, "user": {...}} as JSON under "auth" in local storage, and shows
// its login form only after a click on "Sign in".
const APP_SHELL = env.SPA_STYLE === 'app-shell';
// FUSIONAUTH_API_KEY is deliberately unused: the browser logs in, and it never holds an API key.

const FETCH_TIMEOUT_MS = 5000;

const MUTANTS = [
  'unsigned-jwt-accepted',
  'exp-ignored',
  'aud-ignored',
  'spa-never-refreshes',
  'refresh-token-in-localstorage',
  'cors-wildcard-credentials',
  'spa-disallowed-header',
  'cached-api-answer',
  'jwt-in-query-accepted',
  'token-stored-before-status-check',
];

if (ROLE !== 'store' && ROLE !== 'forums') {
  console.error(`APP_ROLE must be "store" or "forums", got "${ROLE}"`);
  process.exit(1);
}
if (MUTANT && !MUTANTS.includes(MUTANT)) {
  console.error(`unknown LOGINFLOW_MUTANT "${MUTANT}"; known: ${MUTANTS.join(', ')}`);
  process.exit(1);
}

const IS_STORE = ROLE === 'store';
const TITLE = IS_STORE ? 'Store' : 'Forums';
const API_PATH = IS_STORE ? '/api/load-shopping-cart' : '/api/load-posts';

// ---------------------------------------------------------------- helpers

class UpstreamError extends Error {}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

// JSON that is safe inside an inline <script>: no "</script>", "<!--", or JS line separators.
function jsonForScript(value) {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function baseHeaders() {
  const h = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
  if (MUTANT === 'cors-wildcard-credentials') {
    // MUTANT cors-wildcard-credentials: "make the API work from anywhere" - every answer
    // invites any origin, with credentials.
    h['Access-Control-Allow-Origin'] = '*';
    h['Access-Control-Allow-Credentials'] = 'true';
  }
  return h;
}

function send(res, status, contentType, body, headers = {}) {
  res.writeHead(status, { ...baseHeaders(), 'Content-Type': contentType, ...headers });
  res.end(body);
}

function sendJson(res, status, value, headers = {}) {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value), headers);
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
// Same checks as backends/webapp-jwt-cookies/server.js.

let jwksCache = null; // Map kid -> KeyObject

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

  if (MUTANT === 'unsigned-jwt-accepted') {
    // MUTANT unsigned-jwt-accepted: "just decode it, FusionAuth issued it anyway" - no signature
    // or alg check (alg none and forged signatures pass), only exp and aud are looked at.
    if (typeof payload.exp !== 'number' || payload.exp <= now) return { ok: false, reason: 'expired' };
    if (!audMatches(payload.aud)) return { ok: false, reason: 'wrong aud' };
    return { ok: true, claims: payload };
  }

  const sigError = await checkSignature(header, decoded.signingInput, decoded.signature);
  if (sigError) return { ok: false, reason: sigError };
  if (payload.iss !== ISSUER) return { ok: false, reason: `wrong iss ${payload.iss}` };
  if (MUTANT !== 'aud-ignored') {
    // MUTANT aud-ignored skips this: a forums token opens the store's API (and vice versa).
    if (!audMatches(payload.aud)) return { ok: false, reason: `wrong aud ${payload.aud}` };
  }
  if (MUTANT !== 'exp-ignored') {
    // MUTANT exp-ignored skips this: an expired (e.g. stolen) JWT still opens the API.
    if (typeof payload.exp !== 'number' || payload.exp <= now) return { ok: false, reason: 'expired' };
  }
  if (typeof payload.nbf === 'number' && payload.nbf > now + 60) return { ok: false, reason: 'not yet valid' };
  return { ok: true, claims: payload };
}

// ---------------------------------------------------------------- the single-page app

// The config the page embeds for its script (FusionAuth as the *browser* reaches it).
const SPA_CONFIG = {
  fusionauthUrl: FUSIONAUTH_PUBLIC_URL,
  applicationId: APPLICATION_ID,
  api: API_PATH,
  title: TITLE,
};

const INDEX_HTML = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(TITLE)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}#error{color:#b00}label{display:block;margin:.5em 0}</style>
</head>
<body>
<h1>${escapeHtml(TITLE)}</h1>
<p id="error" role="alert"></p>
<div id="content"><noscript>This application needs JavaScript.</noscript></div>
<template id="login-template">
<form id="login">
<label>Email <input type="email" name="email" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button type="submit">Log in</button>
</form>
</template>
<script>window.LOGINFLOW_CONFIG = ${jsonForScript(SPA_CONFIG)};</script>
<script src="/app.js"></script>
</body></html>
`;

// The SPA's script. Served as-is; the two SPA mutants are chosen here, on the server, so the
// reference script carries no trace of them.
const APP_JS = `'use strict';
// ${TITLE} single-page app (workflow spa-localstorage-jwt).
// The JWT lives in localStorage under "jwt". The refresh token is NEVER touched by this
// script: FusionAuth keeps it in its HttpOnly "refresh_token" cookie on its own host, and the
// browser sends it with credentials:'include' requests to FusionAuth.
(function () {
  var config = window.LOGINFLOW_CONFIG;
  var JWT_KEY = ${APP_SHELL ? "'auth'" : "'jwt'"};
  function getJwt() {${APP_SHELL ? `
    try { return (JSON.parse(localStorage.getItem(JWT_KEY) || 'null') || {}).token || null; } catch (e) { return null; }` : `
    return localStorage.getItem(JWT_KEY);`}
  }
  function setJwt(token, user) {${APP_SHELL ? `
    var kept = null;
    try { kept = (JSON.parse(localStorage.getItem(JWT_KEY) || 'null') || {}).user || null; } catch (e) {}
    localStorage.setItem(JWT_KEY, JSON.stringify({ token: token, user: user || kept }));` : `
    localStorage.setItem(JWT_KEY, token);`}
  }
  var content = document.getElementById('content');
  var errorBox = document.getElementById('error');

  function showError(text) { errorBox.textContent = text || ''; }

  function forgetJwt() { localStorage.removeItem(JWT_KEY); }

  // Render the login form (cloned from the page's <template>).
  function showLogin() {${APP_SHELL ? `
    if (!document.getElementById('sign-in')) {
      var button = document.createElement('button');
      button.id = 'sign-in';
      button.textContent = 'Sign in';
      button.addEventListener('click', function () { button.remove(); showForm(); });
      return content.replaceChildren(button);
    }` : ''}
    showForm();
  }
  function showForm() {
    var form = document.getElementById('login-template').content.cloneNode(true);
    content.replaceChildren(form);
    document.getElementById('login').addEventListener('submit', onLogin);
  }

  // Decode the JWT payload (base64url JSON) without verifying it: only to read exp.
  function isExpired(jwt) {
    try {
      var part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      while (part.length % 4) part += '=';
      var payload = JSON.parse(atob(part));
      return typeof payload.exp !== 'number' || payload.exp * 1000 <= Date.now();
    } catch (e) {
      return true; // unreadable: let a refresh replace it
    }
  }

  // POST /api/jwt/refresh on FusionAuth; the browser adds the refresh_token cookie.
  // true: a new JWT is in localStorage. false: the login form is showing again.
  async function refresh() {${MUTANT === 'spa-never-refreshes' ? `
    // MUTANT spa-never-refreshes: "expired means log in again" - never asks FusionAuth.
    forgetJwt();
    showLogin();
    return false;` : ''}
    try {
      var resp = await fetch(config.fusionauthUrl + '/api/jwt/refresh', {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      if (resp.status === 200) {
        var body = await resp.json();
        if (body && typeof body.token === 'string' && body.token) {
          setJwt(body.token); // body.refreshToken is ignored on purpose
          return true;
        }
      }
    } catch (e) { /* FusionAuth unreachable: same as a refused refresh */ }
    // 400 (real FusionAuth), 404 (the diagram) or anything else: log in again.
    forgetJwt();
    showLogin();
    return false;
  }

  // Load the protected data with the JWT; refresh at most once (expired JWT or a 401).
  async function loadData() {
    showError('');
    var refreshed = false;
    var jwt = getJwt();
    if (!jwt) return showLogin();
    if (isExpired(jwt)) {
      if (!(await refresh())) return;
      refreshed = true;
      jwt = getJwt();
    }
    for (;;) {
      var resp;
      try {
        resp = await fetch(config.api, { headers: { Authorization: 'Bearer ' + jwt }, cache: 'no-store' });
      } catch (e) {
        return showError('Could not reach the ' + config.title + '.');
      }
      if (resp.status === 200) return render(await resp.json());
      if (resp.status === 401 && !refreshed) {
        if (!(await refresh())) return;
        refreshed = true;
        jwt = getJwt();
        continue; // retry once with the new JWT
      }
      if (resp.status === 401) { forgetJwt(); return showLogin(); }
      return showError('The ' + config.title + ' answered ' + resp.status + '.');
    }
  }

  // Show the API's JSON as text (textContent only: nothing from the API becomes markup).
  function render(data) {
    var list = Array.isArray(data.items) ? data.items : Array.isArray(data.posts) ? data.posts : [];
    var h2 = document.createElement('h2');
    h2.textContent = (Array.isArray(data.items) ? 'Shopping cart of ' : 'Forum posts of ') + data.user;
    var ul = document.createElement('ul');
    ul.className = Array.isArray(data.items) ? 'items' : 'posts';
    list.forEach(function (entry) {
      var li = document.createElement('li');
      li.textContent = typeof entry === 'string' ? entry
        : entry.title ? entry.title : entry.name + ' x ' + entry.quantity;
      ul.appendChild(li);
    });
    var reload = document.createElement('button');
    reload.type = 'button';
    reload.id = 'reload';
    reload.textContent = 'Reload';
    reload.addEventListener('click', loadData);
    var logout = document.createElement('button');
    logout.type = 'button';
    logout.id = 'logout';
    logout.textContent = 'Log out';
    logout.addEventListener('click', function () { forgetJwt(); showLogin(); });
    content.replaceChildren(h2, ul, reload, logout);
  }

  // Login form submit: AJAX POST straight to FusionAuth's Login API (no API key).
  async function onLogin(event) {
    event.preventDefault();
    showError('');
    var form = event.target;
    var resp;
    try {
      resp = await fetch(config.fusionauthUrl + '/api/login', {
        method: 'POST',
        credentials: 'include', // lets FusionAuth set its refresh_token cookie
        headers: { 'Content-Type': 'application/json'${MUTANT === 'spa-disallowed-header' ? `,
          // MUTANT spa-disallowed-header: a custom header FusionAuth's CORS settings do not allow,
          // so the browser's preflight is refused and the login never reaches FusionAuth.
          'X-Client-Version': '1.0'` : ''} },
        body: JSON.stringify({
          loginId: form.elements.email.value,
          password: form.elements.password.value,
          applicationId: config.applicationId,
        }),
      });
    } catch (e) {
      return showError('The login service is unavailable. Please try again later.');
    }
    var body = {};
    try { body = await resp.json(); } catch (e) { /* FusionAuth answers most errors with no body */ }
${MUTANT === 'token-stored-before-status-check' ? `
    // MUTANT token-stored-before-status-check: "save it first, check later" - FusionAuth's 202
    // (not registered for this application) carries a JWT, and it stays in local storage
    // while the app shows the error.
    if (body && typeof body.token === 'string') localStorage.setItem(JWT_KEY, body.token);` : ''}
    if (resp.status !== 200 || !body || typeof body.token !== 'string' || !body.token) {
      var why = {
        202: 'You are not registered for this application.',
        203: 'Your password must be changed before you can log in.',
        242: 'Two-factor authentication is required.',
        409: 'Your account is prevented from logging in.',
        410: 'Your account has expired.',
        423: 'Your account is locked.',
      }[resp.status] || 'Invalid email or password.';
      return showError(why);
    }
    setJwt(body.token, body.user && { email: body.user.email }); // only the JWT: never body.refreshToken${MUTANT === 'refresh-token-in-localstorage' ? `
    // MUTANT refresh-token-in-localstorage: "keep it handy" - any script on the page can now
    // read the long-lived refresh token.
    localStorage.setItem('refreshToken', body.refreshToken);` : ''}
    await loadData();
  }

  loadData();
})();
`;

// ---------------------------------------------------------------- API

function bearerToken(req) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization || ''));
  if (!m && MUTANT === 'jwt-in-query-accepted') {
    // MUTANT jwt-in-query-accepted: "RFC 6750 allows it" - a JWT in ?access_token= is taken,
    // so a link or a log line carrying it opens the API.
    return new URL(req.url, 'http://localhost').searchParams.get('access_token');
  }
  return m ? m[1] : null;
}

// MUTANT cached-api-answer: "the data changes rarely" - the first answer is cached by path for
// a minute, after the JWT was checked but not keyed by its user: everyone gets the first user's data.
let cachedAnswer = null;

function unauthorized(res, error) {
  sendJson(res, 401, { error }, { 'WWW-Authenticate': 'Bearer' });
}

function dataFor(claims) {
  const user = claims.email || claims.sub || 'unknown user';
  if (IS_STORE) {
    return { user, items: [{ name: 'Rubber duck', quantity: 2 }, { name: 'Espresso beans', quantity: 1 }] };
  }
  return { user, posts: [{ title: 'Hello, forums!' }, { title: 'Re: Which espresso beans?' }] };
}

async function handleApi(req, res) {
  const token = bearerToken(req);
  if (!token) return unauthorized(res, 'missing Bearer token');
  const result = await verifyJwt(token);
  if (!result.ok) {
    console.log(`  JWT rejected: ${result.reason}`);
    return unauthorized(res, 'invalid token');
  }
  if (MUTANT === 'cached-api-answer') {
    if (!cachedAnswer || Date.now() > cachedAnswer.until) cachedAnswer = { data: dataFor(result.claims), until: Date.now() + 60_000 };
    return sendJson(res, 200, cachedAnswer.data);
  }
  return sendJson(res, 200, dataFor(result.claims));
}

// ---------------------------------------------------------------- routing

function notFound(res, path) {
  if (path.startsWith('/api/')) return sendJson(res, 404, { error: 'not found' });
  return send(res, 404, 'text/html; charset=utf-8', '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Not found</title></head><body><h1>Error 404</h1><p>Not found.</p></body></html>\n');
}

async function route(req, res) {
  const path = new URL(req.url, 'http://localhost').pathname;
  const method = req.method;
  const known = path === '/' || (APP_SHELL && path === '/app') || path === '/app.js' || path === API_PATH;
  if (!known) return notFound(res, path);

  if (method === 'OPTIONS' && MUTANT === 'cors-wildcard-credentials') {
    // MUTANT cors-wildcard-credentials: preflights are granted for any origin and header.
    return send(res, 204, 'text/plain', '', {
      'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || 'Authorization, Content-Type',
      'Access-Control-Max-Age': '600',
    });
  }
  if (method !== 'GET' && method !== 'HEAD') {
    // No CORS: the API is same-origin with the SPA, so a cross-origin preflight gets no grant.
    if (path === API_PATH) return sendJson(res, 405, { error: 'method not allowed' }, { Allow: 'GET, HEAD' });
    return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n', { Allow: 'GET, HEAD' });
  }
  if (path === '/' || (APP_SHELL && path === '/app')) return send(res, 200, 'text/html; charset=utf-8', INDEX_HTML);
  if (path === '/app.js') return send(res, 200, 'application/javascript; charset=utf-8', APP_JS);
  return handleApi(req, res);
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
    sendJson(res, upstreamDown ? 502 : 500, { error: upstreamDown ? 'FusionAuth unavailable' : 'internal error' });
  });
});

server.listen(PORT, HOST, () => {
  console.log(`${TITLE} SPA (${PUBLIC_HOST}) listening on http://${HOST}:${PORT}` +
    ` fusionauth=${FUSIONAUTH_PUBLIC_URL}${MUTANT ? ` mutant=${MUTANT}` : ''}`);
});

function shutdown(signal) {
  console.log(`${signal} received, shutting down`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
