import type { Exchange } from '../trace';
import { defineCheck, outcome } from './check';
import { showsUser } from './pages';

/**
 * Attack vectors are INFO: the report says whether the documented attack worked or was
 * blocked. A backend that blocks them still conforms.
 */
export interface AttackArgs {
  attack: string;
  worked: boolean;
  how: string;
  evidence: Exchange[];
}

export const attackOutcome = (kind: string, name: string) =>
  defineCheck<AttackArgs>({
    kind,
    name,
    level: 'INFO',
    ensures: (a) => `report whether ${a.attack}`,
    evaluate: (a) => outcome(a.worked, `${a.worked ? 'WORKED' : 'BLOCKED'}: ${a.how}`, a.evidence),
  });

export const stolenRefreshTokenRefreshed = attackOutcome('attack-refresh', 'stolenRefreshTokenGetsNewJwt');
export const stolenRefreshTokenOpensPage = attackOutcome('attack-page', 'stolenRefreshTokenOpensPage');
export const stolenJwtOpensPage = attackOutcome('attack-stolen-jwt', 'stolenJwtOpensPage');
export const stolenSessionOpensPage = attackOutcome('attack-stolen-session', 'stolenSessionIdOpensPage');
export { showsUser };
