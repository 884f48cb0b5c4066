import type { Exchange } from '../trace';
import { defineCheck, outcome } from './check';
import { findToken } from './cookie-tokens';
import { setCookiesOf } from './cookies';
import { isRefreshCall } from './fusionauth-calls';
import { showsUser, type UserPageArgs } from './pages';

/**
 * Attack vectors are INFO: the report says whether the documented attack worked or was
 * blocked. A backend that blocks them still conforms. Each check is given what was seen on
 * the wire (the hacker's exchanges, the tokens FusionAuth issued) and decides itself whether
 * the attack worked, so the judgement is here, testable on hand-built exchanges.
 */
export interface AttackRefreshArgs {
  attack: string;
  /** The participant that holds the stolen refresh token and should refresh with it (Store, Forums). */
  caller: string;
  /** The exchanges made while serving the hacker's request. */
  exchanges: Exchange[];
}

export const stolenRefreshTokenRefreshed = defineCheck<AttackRefreshArgs>({
  kind: 'attack-refresh',
  name: 'stolenRefreshTokenGetsNewJwt',
  level: 'INFO',
  ensures: (a) => `report whether ${a.attack}`,
  evaluate: (a) => {
    const calls = a.exchanges.filter((e) => e.from === a.caller && isRefreshCall(e));
    const worked = calls.some((e) => e.response?.status === 200);
    const how = worked ? 'FusionAuth issued a new JWT for the stolen refresh token' : calls.length ? `the refresh answered ${calls.map((e) => e.response?.status ?? e.error).join(', ')}` : `${a.caller} made no refresh call`;
    return outcome(worked, `${worked ? 'WORKED' : 'BLOCKED'}: ${how}`, calls);
  },
});

export interface AttackPageArgs extends UserPageArgs {
  attack: string;
  /**
   * With a stolen refresh token the attack must also get a new JWT cookie: the JWTs FusionAuth
   * issued, to recognise one among the answer's Set-Cookie values (however wrapped). Absent:
   * the page alone decides.
   */
  newJwtAmong?: string[];
}

const attackPage = (kind: string, name: string) =>
  defineCheck<AttackPageArgs>({
    kind,
    name,
    level: 'INFO',
    ensures: (a) => `report whether ${a.attack}`,
    evaluate: (a) => {
      const shown = showsUser(a);
      const jwts = a.newJwtAmong;
      const newJwt = !!jwts && setCookiesOf(a.response).some((c) => !!findToken(c.cookie.value, (v) => (jwts.includes(v) ? 'jwt' : undefined)));
      const worked = shown && (!jwts || newJwt);
      const how = `${a.response?.response?.status ?? a.response?.error ?? 'no request was made'}: page ${shown ? 'shown' : 'not shown'}${jwts ? `, new JWT cookie ${newJwt ? 'set' : 'not set'}` : ''}`;
      return outcome(worked, `${worked ? 'WORKED' : 'BLOCKED'}: ${how}`, a.response ? [a.response] : []);
    },
  });

export const stolenRefreshTokenOpensPage = attackPage('attack-page', 'stolenRefreshTokenOpensPage');
export const stolenJwtOpensPage = attackPage('attack-stolen-jwt', 'stolenJwtOpensPage');
export const stolenSessionOpensPage = attackPage('attack-stolen-session', 'stolenSessionIdOpensPage');
export { showsUser };
