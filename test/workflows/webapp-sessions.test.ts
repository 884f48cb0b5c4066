import { conformanceSuite } from './mutants';

conformanceSuite({
  workflow: 'webapp-sessions',
  references: { node: 'loginflow.json', python: 'loginflow.python.json' },
  mutants: {
    'session-not-extended': { code: 1, failing: ['WS-11.session-extended'] },
    'session-never-expires': { code: 1, failing: ['WS-14.redirect-to-login'] },
    // The same defect in the store (8, 9) and the forums (23, 24) login.
    'tokens-in-cookies': { code: 1, failing: ['WS-9.tokens-not-in-browser', 'WS-24.tokens-not-in-browser'] },
    'session-cookie-not-httponly': { code: 1, failing: ['WS-8.cookie-httponly', 'WS-23.cookie-httponly'] },
    'expired-session-empty-cart': { code: 1, failing: ['WS-14.redirect-to-login'] },
    // SHOULD-level defects: reported, the run still conforms.
    'session-fixation': { code: 0, failing: ['WS-8.new-session-id'] },
    'predictable-session-id': { code: 0, failing: ['WS-8.session-id-entropy'] },
  },
});
