import { conformanceSuite } from './mutants';

/** HTTP mode: the backend's half. The app-side mutants are caught in browser mode (spa-browser.test.ts). */
conformanceSuite({
  workflow: 'spa-localstorage-jwt',
  references: { node: 'loginflow.json' },
  mutants: {
    'unsigned-jwt-accepted': { code: 1, failing: ['SLJ-9.rejects-bad-signature', 'SLJ-9.rejects-unsigned'] },
    'exp-ignored': { code: 1, failing: ['SLJ-9.rejects-expired'] },
    'aud-ignored': { code: 1, failing: ['SLJ-9.rejects-wrong-audience'] },
    'cors-wildcard-credentials': { code: 1, failing: ['SLJ-9.cors-credentials'] },
  },
  coveredElsewhere: ['spa-never-refreshes', 'refresh-token-in-localstorage', 'spa-disallowed-header'],
});
