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

test('every secret the double issues or holds is known to its redactor', async () => {
  const d = await FusionAuthDouble.start();
  try {
    const login = (await call('in-process', d, undefined, 'POST', '/api/login', { json: { loginId: 'alice@example.com', password: 'password', applicationId: STORE.id }, headers: { authorization: SEEDED_DIRECTORY.apiKey } })).json();
    const refreshed = (await call('in-process', d, undefined, 'POST', '/api/jwt/refresh', { json: { refreshToken: login.refreshToken } })).json();
    const oauth = (await call('in-process', d, undefined, 'POST', '/oauth2/token', { form: { grant_type: 'refresh_token', refresh_token: login.refreshToken, client_id: STORE.id, client_secret: STORE.clientSecret } })).json();
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
    if (refreshed.refreshToken) secrets['rotated refresh token'] = refreshed.refreshToken;
    if (oauth.refresh_token) secrets['OAuth refresh token'] = oauth.refresh_token;
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
