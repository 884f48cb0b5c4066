import type { Exchange } from '../trace';
import { defineCheck, fail, outcome, pass } from './check';

/** Checks on the pages and redirects a backend serves to an actor. */

export interface PageArgs {
  page: string;
  response?: Exchange;
}

export const pageLinksToLogin = defineCheck<PageArgs & { loginPath: string; found: string[] }>({
  kind: 'login-link',
  name: 'homePageLinksToLogin',
  level: 'MUST',
  ensures: (a) => `the ${a.page} answers 200 with a link to ${a.loginPath}`,
  evaluate: (a) => {
    const ev = a.response ? [a.response] : [];
    if (a.response?.response?.status !== 200) return fail(`answered ${a.response?.response?.status ?? a.response?.error ?? 'nothing'}`, ev);
    return outcome(a.found.some((h) => new URL(h).pathname === a.loginPath), a.found.length ? `links: ${a.found.slice(0, 8).join(', ')}` : 'no links', ev);
  },
});

export const pageHasLoginForm = defineCheck<PageArgs & { fields: { loginId?: string; password?: string }; forms: number }>({
  kind: 'login-form',
  name: 'loginPageHasForm',
  level: 'MUST',
  ensures: () => 'the login page answers 200 with a form holding a login id field and a password field',
  evaluate: (a) => {
    const ev = a.response ? [a.response] : [];
    if (a.response?.response?.status !== 200) return fail(`answered ${a.response?.response?.status ?? a.response?.error ?? 'nothing'}`, ev);
    if (!a.forms) {
      const ct = a.response.response.headers['content-type'];
      const type = String(Array.isArray(ct) ? ct[0] : ct ?? '(none)');
      if (!/html/i.test(type)) return fail(`no <form>: the answer is ${type}, not an HTML page with a login form`, ev);
      return fail(`no <form> in the page${a.response.note ? ` (${a.response.note})` : ''}`, ev);
    }
    if (!a.fields.password) return fail('no password field (input type=password) in the form', ev);
    if (!a.fields.loginId) return fail('no login id field (email, username or login input) in the form', ev);
    return pass(`form fields: loginId=${a.fields.loginId}, password=${a.fields.password}`, ev);
  },
});

export interface RedirectArgs {
  to: string;
  toPath: string;
  response?: Exchange;
}

export function redirectTarget(e: Exchange | undefined): string | undefined {
  const loc = e?.response?.headers['location'];
  const l = Array.isArray(loc) ? loc[0] : loc;
  if (!l) return undefined;
  try {
    return new URL(l, `http://${e!.request.host}${e!.request.path}`).pathname;
  } catch {
    return l;
  }
}

export const redirectsTo = defineCheck<RedirectArgs>({
  kind: 'redirect',
  name: 'redirectsTo',
  level: 'MUST',
  ensures: (a) => `the answer is a redirect (302/303) to ${a.to} (${a.toPath})`,
  evaluate: (a) => {
    const st = a.response?.response?.status;
    const ev = a.response ? [a.response] : [];
    if (st === undefined) return fail(`no answer: ${a.response?.error ?? 'no request was made'}`, ev);
    const target = redirectTarget(a.response);
    if (st < 300 || st >= 400) return fail(`answered ${st} instead of a redirect`, ev);
    return outcome(target === a.toPath, `${st} Location: ${target}`, ev);
  },
});

export interface UserPageArgs {
  page: string;
  user: string;
  /** The text that proves whose page it is (default: the user's email). */
  proof: string;
  response?: Exchange;
}

export function showsUser(a: UserPageArgs): boolean {
  const st = a.response?.response?.status ?? 0;
  return st >= 200 && st < 300 && (a.response?.response?.body ?? '').includes(a.proof);
}

export const pageShowsUser = defineCheck<UserPageArgs>({
  kind: 'page-shown',
  name: 'pageShownForRightUser',
  level: 'MUST',
  ensures: (a) => `the ${a.page} answers 2xx and is ${a.user}'s (it contains "${a.proof}")`,
  evaluate: (a) => {
    const ev = a.response ? [a.response] : [];
    const st = a.response?.response?.status;
    if (st === undefined) return fail(`no answer: ${a.response?.error ?? 'no request was made'}`, ev);
    if (st < 200 || st >= 300) return fail(`answered ${st}${st >= 300 && st < 400 ? ` to ${redirectTarget(a.response)}` : ''}`, ev);
    return showsUser(a) ? pass(`${st}, contains "${a.proof}"`, ev) : fail(`${st}, but the page does not contain "${a.proof}"`, ev);
  },
});

export interface RejectedArgs extends UserPageArgs {
  /** What was presented, e.g. "a JWT with a bad signature"; names the check. */
  presented: string;
  kind: string;
}

/** One check per kind of bad credential, so a mutant that accepts one is named precisely. */
export function pageRefused(kind: string, name: string) {
  return defineCheck<RejectedArgs>({
    kind,
    name,
    level: 'MUST',
    ensures: (a) => `presented ${a.presented}, the ${a.page} of ${a.user} is not shown`,
    evaluate: (a) => {
      const ev = a.response ? [a.response] : [];
      const st = a.response?.response?.status;
      return showsUser(a) ? fail(`${st}: the ${a.page} of ${a.user} was shown`, ev) : pass(`${st ?? a.response?.error}: not shown`, ev);
    },
  });
}

export const rejectsBadSignature = pageRefused('rejects-bad-signature', 'jwtSignatureEnforced');
export const rejectsUnsigned = pageRefused('rejects-unsigned', 'jwtAlgNoneRejected');
export const rejectsWrongAudience = pageRefused('rejects-wrong-audience', 'jwtAudienceEnforced');
export const rejectsExpired = pageRefused('rejects-expired', 'jwtExpiryEnforced');
