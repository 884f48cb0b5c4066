import { conformanceSuite } from './mutants';

conformanceSuite({
  workflow: 'webapp-sessions',
  // express: Express 5 + express-session + @fusionauth/typescript-client, JSON login, one app,
  // its own env names (envMap); json-login: the Node reference driven by a JSON POST.
  references: { node: 'loginflow.json', python: 'loginflow.python.json', express: 'loginflow.express.json', 'json-login': 'loginflow.json-login.json' },
  mutants: {
    'session-not-extended': { code: 1, failing: ['WS-11.session-extended'] },
    'session-never-expires': { code: 1, failing: ['WS-14.redirect-to-login'] },
    // The same defect in the store (8, 9) and the forums (23, 24) login.
    // The token cookies it adds carry neither Secure nor SameSite.
    'tokens-in-cookies': { code: 1, failing: ['WS-9.tokens-not-in-browser', 'WS-9.cookie-secure', 'WS-9.cookie-samesite', 'WS-24.tokens-not-in-browser'] },
    'session-cookie-not-httponly': { code: 1, failing: ['WS-8.cookie-httponly', 'WS-23.cookie-httponly'] },
    'expired-session-empty-cart': { code: 1, failing: ['WS-14.redirect-to-login'] },
    // SHOULD-level defects: reported, the run still conforms.
    'session-fixation': { code: 0, failing: ['WS-8.new-session-id'] },
    'predictable-session-id': { code: 0, failing: ['WS-8.session-id-entropy'] },
    // Found by the two-user, failed-login and URL-secret scenarios (issue #11).
    'last-user-shown': { code: 1, failing: ['WS-12.page-is-holders'] },
    'login-form-get': { code: 1, failing: ['WS-5.password-not-in-url'] },
    'session-id-in-query': { code: 1, failing: ['WS-12.query-credential-refused'] },
    // The Express reference's own defects.
    'express-failed-login-accepted': { code: 1, failing: ['WS-9.failed-login-no-credential', 'WS-9.failed-login-explained', 'WS-12.failed-login-no-access'] },
    'express-session-never-expires': { code: 1, failing: ['WS-14.redirect-to-login'] },
    'express-session-fixation': { code: 0, failing: ['WS-8.new-session-id'] },
  },
});
