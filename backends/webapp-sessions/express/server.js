'use strict';
// A reference backend of webapp-sessions built the way most Node apps using FusionAuth are:
// Express 5, express-session (a signed `shop.sid` cookie, server-side MemoryStore), and
// FusionAuth's own client, @fusionauth/typescript-client. One application (no forums), a
// small static login page whose script POSTs JSON to /api/session, and the app's own
// environment names (FA_BASE_URL, FA_API_KEY, FA_APPLICATION_ID, LISTEN_PORT, LISTEN_HOST,
// SESSION_IDLE_SECONDS, SESSION_SECRET, COOKIE_SECURE); the kit maps its contract onto them with envMap.
//
// It only calls POST /api/login: the user FusionAuth returns is kept in the session.
//
// LOGINFLOW_MUTANT=<name> switches on one realistic defect, each a branch marked "MUTANT":
//   session-fixation       the session is not regenerated at login (the id the browser held stays)
//   session-never-expires  the session has no maxAge: an idle session lives forever
//   failed-login-accepted  any 2xx from /api/login (wasSuccessful()) counts as a login, 202 included
const path = require('node:path');
const express = require('express');
const session = require('express-session');
const { FusionAuthClient } = require('@fusionauth/typescript-client');

const env = process.env;
function required(name) {
  if (!env[name]) {
    console.error(`missing environment variable ${name}`);
    process.exit(2);
  }
  return env[name];
}
const FA_BASE_URL = required('FA_BASE_URL');
const FA_API_KEY = required('FA_API_KEY');
const FA_APPLICATION_ID = required('FA_APPLICATION_ID');
const SESSION_SECRET = required('SESSION_SECRET');
const IDLE_SECONDS = Number(env.SESSION_IDLE_SECONDS || 1800);
const PORT = Number(env.LISTEN_PORT || 3000);
const HOST = env.LISTEN_HOST || '127.0.0.1';
const COOKIE_SECURE = env.COOKIE_SECURE === 'auto' ? 'auto' : true;
const MUTANT = env.LOGINFLOW_MUTANT || '';
const MUTANTS = ['session-fixation', 'session-never-expires', 'failed-login-accepted'];
if (MUTANT && !MUTANTS.includes(MUTANT)) {
  console.error(`unknown LOGINFLOW_MUTANT "${MUTANT}"; known: ${MUTANTS.join(', ')}`);
  process.exit(2);
}

const fusionauth = new FusionAuthClient(FA_API_KEY, FA_BASE_URL);
const app = express();

// Deployed behind a TLS-terminating proxy that says so in X-Forwarded-Proto, as express-session's
// own documentation sets it up: trust the first proxy. The kit plays that proxy (it sends
// X-Forwarded-Proto: https and X-Forwarded-Host), so req.secure holds and the Secure cookie is
// sent; without the header express-session would silently set no cookie at all.
app.set('trust proxy', 1);
app.use(
  session({
    name: 'shop.sid',
    secret: SESSION_SECRET,
    resave: false,
    saveUninitialized: false,
    // Sliding expiry: every answer renews the cookie and the stored session's expiry.
    rolling: true,
    cookie: {
      httpOnly: true,
      // COOKIE_SECURE=auto: Secure exactly when the request came over https (req.secure), the
      // other setting express-session documents; either way the cookie is Secure behind TLS.
      secure: COOKIE_SECURE,
      sameSite: 'lax',
      // MUTANT session-never-expires: "a browser-session cookie is enough" - no maxAge, so
      // neither the cookie nor the stored session ever expires while the browser stays open.
      ...(MUTANT === 'session-never-expires' ? {} : { maxAge: IDLE_SECONDS * 1000 }),
    },
  }),
);
app.use(express.json({ limit: '16kb' }));
app.use(express.static(path.join(__dirname, 'public'), { index: false }));

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

app.get('/', (_req, res) => {
  res.type('html').send('<!doctype html><title>Shop</title><h1>Shop</h1><p><a href="/login">Log in</a></p>');
});
app.get('/login', (_req, res) => res.sendFile(path.join(__dirname, 'public', 'login.html')));

const WHY = {
  202: 'You are not registered for this application.',
  203: 'Your password must be changed before you can log in.',
  212: 'Your email address has not been verified.',
  213: 'Your registration has not been verified.',
  242: 'Two-factor authentication is required.',
};

app.post('/api/session', async (req, res, next) => {
  const { email, password } = req.body ?? {};
  if (typeof email !== 'string' || typeof password !== 'string' || !email || !password) {
    return res.status(400).json({ error: 'email and password are required' });
  }
  let answer;
  try {
    answer = await fusionauth.login({ loginId: email, password, applicationId: FA_APPLICATION_ID });
  } catch (err) {
    // The client rejects non-2xx answers with the ClientResponse (404 wrong password, 423…).
    if (err && typeof err.statusCode === 'number') return res.status(401).json({ error: err.statusCode === 404 ? 'Invalid email or password.' : `Login refused (${err.statusCode}).` });
    return next(err);
  }
  // MUTANT failed-login-accepted: wasSuccessful() is any 2xx, and FusionAuth answers 202 (not
  // registered for this application), 203, 212, 213 and 242 with 2xx too.
  const ok = MUTANT === 'failed-login-accepted' ? answer.wasSuccessful() : answer.statusCode === 200;
  if (!ok || !answer.response.user) return res.status(401).json({ error: WHY[answer.statusCode] ?? 'Login refused.' });
  const user = answer.response.user;
  const keep = () => {
    req.session.user = { id: user.id, email: user.email, firstName: user.firstName };
    req.session.save((err) => (err ? next(err) : res.json({ user: req.session.user })));
  };
  // A fresh session id at login, so an id planted before login is worthless (session fixation).
  // MUTANT session-fixation skips it: the session the browser arrived with is logged in.
  if (MUTANT === 'session-fixation') return keep();
  req.session.regenerate((err) => (err ? next(err) : keep()));
});

app.get('/account', (req, res) => {
  const user = req.session.user;
  if (!user) return res.redirect('/login');
  res.type('html').send(`<!doctype html><title>Your cart</title><h1>Shopping cart of ${escapeHtml(user.email)}</h1><ul><li>1 × coffee beans</li></ul><p><a href="/logout">Log out</a></p>`);
});

app.get('/logout', (req, res, next) => req.session.destroy((err) => (err ? next(err) : res.redirect('/'))));

app.listen(PORT, HOST, () => console.log(`shop (express${MUTANT ? `, MUTANT ${MUTANT}` : ''}) listening on http://${HOST}:${PORT}, session idle TTL ${IDLE_SECONDS}s`));
