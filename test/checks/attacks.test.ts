import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attackOutcome, stolenJwtOpensPage, stolenRefreshTokenOpensPage, stolenRefreshTokenRefreshed, stolenSessionOpensPage } from '../../harness/checks';
import { ex } from './hand-built';

test('attack outcomes are INFO: WORKED or BLOCKED, with how', () => {
  const k = attackOutcome('attack-x', 'xWorks');
  assert.deepEqual([k.kind, k.name, k.level], ['attack-x', 'xWorks', 'INFO']);
  const e = [ex({ from: 'Hacker' })];
  const a = { attack: 'a stolen JWT opens the cart', worked: true, how: '200 with the cart', evidence: e };
  assert.equal(k.ensures(a), 'report whether a stolen JWT opens the cart');
  const worked = k.evaluate(a);
  assert.deepEqual([worked.ok, worked.actual, worked.evidence], [true, 'WORKED: 200 with the cart', e]);
  const blocked = k.evaluate({ ...a, worked: false, how: '401' });
  assert.deepEqual([blocked.ok, blocked.actual, blocked.evidence], [false, 'BLOCKED: 401', e]);
  assert.deepEqual(
    [stolenRefreshTokenRefreshed, stolenRefreshTokenOpensPage, stolenJwtOpensPage, stolenSessionOpensPage].map((c) => [c.kind, c.name, c.level]),
    [
      ['attack-refresh', 'stolenRefreshTokenGetsNewJwt', 'INFO'],
      ['attack-page', 'stolenRefreshTokenOpensPage', 'INFO'],
      ['attack-stolen-jwt', 'stolenJwtOpensPage', 'INFO'],
      ['attack-stolen-session', 'stolenSessionIdOpensPage', 'INFO'],
    ],
  );
});
