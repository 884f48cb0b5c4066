import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FusionAuthDouble, SEEDED_DIRECTORY } from '../../harness/fusionauth';
import { call } from './helpers';

/**
 * The double registers every secret it issues with its redactor, so reports show them
 * fingerprinted: the JWT, the refresh token and its id of a login and of a refresh, an
 * OAuth refresh, and its seeded API key, HMAC and client secrets.
 */
const STORE = SEEDED_DIRECTORY.applications.store;

for (const policy of ['Reusable', 'OneTimeUse'] as const) test(`every secret the double issues or holds is known to its redactor (${policy} refresh tokens)`, async () => {
  const d = await FusionAuthDouble.start();
  d.setOptions({ refreshTokenPolicy: policy });
  try {
    const login = (await call('in-process', d, undefined, 'POST', '/api/login', { json: { loginId: 'alice@example.com', password: 'password', applicationId: STORE.id }, headers: { authorization: SEEDED_DIRECTORY.apiKey } })).json();
    const refreshed = (await call('in-process', d, undefined, 'POST', '/api/jwt/refresh', { json: { refreshToken: login.refreshToken } })).json();
    const oauth = (await call('in-process', d, undefined, 'POST', '/oauth2/token', { form: { grant_type: 'refresh_token', refresh_token: policy === 'OneTimeUse' ? refreshed.refreshToken : login.refreshToken, client_id: STORE.id, client_secret: STORE.clientSecret } })).json();
    const secrets: Record<string, string> = {
      'login JWT': login.token,
      'login refresh token': login.refreshToken,
      'login refresh-token id': login.refreshTokenId,
      'refreshed JWT': refreshed.token,
      'OAuth access token': oauth.access_token,
      'API key': SEEDED_DIRECTORY.apiKey,
      'HMAC secret': SEEDED_DIRECTORY.hmacSecret,
      'client secret': STORE.clientSecret,
    };
    // OneTimeUse: each refresh issues a new refresh token value (registered where it is made, in rotate()).
    if (policy === 'OneTimeUse') {
      assert.notEqual(refreshed.refreshToken, login.refreshToken, 'OneTimeUse rotates the refresh token');
      secrets['rotated refresh token'] = refreshed.refreshToken;
      secrets['OAuth rotated refresh token'] = oauth.refresh_token;
    } else if (refreshed.refreshToken) secrets['refresh token given back'] = refreshed.refreshToken;
    for (const [what, s] of Object.entries(secrets)) {
      assert.equal(typeof s, 'string', `${what} was issued`);
      // Not JWT-shaped where it matters: only a registration can hide a refresh token.
      const shown = d.redactor.text(`[${s}]`)!;
      assert.ok(!shown.includes(s), `${what} is shown in full: ${shown.slice(0, 40)}`);
      assert.match(shown, /^\[.{6}…#[0-9a-f]{6}\]$/, `${what} is fingerprinted`);
    }
  } finally {
    await d.close();
  }
});
