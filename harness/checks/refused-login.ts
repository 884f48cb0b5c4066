import type { Exchange } from '../trace';
import { defineCheck, fail, pass } from './check';
import { showsUser } from './pages';

/**
 * A login FusionAuth refuses (a wrong password: 404; a user not registered for the
 * application: 202, whose answer still carries a user and a JWT) must log nobody in. A
 * backend that treats any answer without an exception as success, or trusts the login id
 * the browser typed, shows the user's page anyway.
 */
export interface RefusedLoginArgs {
  app: string;
  user: string;
  /** How FusionAuth answered the backend's login call (undefined: no call was made). */
  fusionauthStatus?: number;
  /** The protected page loaded after the refused login. */
  page: string;
  proof: string;
  response?: Exchange;
  evidence: Exchange[];
}

export const refusedLoginOpensNothing = defineCheck<RefusedLoginArgs>({
  kind: 'refused-login',
  name: 'refusedLoginOpensNoSession',
  level: 'MUST',
  ensures: (a) => `after FusionAuth refused ${a.user}'s login${a.fusionauthStatus !== undefined ? ` (${a.fusionauthStatus})` : ''}, the ${a.app} does not show ${a.user}'s ${a.page}`,
  evaluate: (a) => {
    const st = a.response?.response?.status ?? a.response?.error;
    if (showsUser({ page: a.page, user: a.user, proof: a.proof, response: a.response }))
      return fail(`FusionAuth answered ${a.fusionauthStatus ?? '(no call)'}, yet the ${a.page} of ${a.user} was shown (${st}): the failed login was treated as a success`, a.evidence);
    return pass(`FusionAuth answered ${a.fusionauthStatus ?? '(no call)'}; the ${a.page} answered ${st}, not ${a.user}'s`, a.evidence);
  },
});
