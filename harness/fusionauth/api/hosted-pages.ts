import type { DirectoryApplication } from '../directory';
import type { OutRes } from '../http';

/**
 * The pages FusionAuth's hosted login shows a browser, in the default theme's shape: the login
 * form, the error page, and the authorization response delivered in the requested
 * response_mode. Rendering only; what they mean is decided in oauth-authorize.ts.
 */

/** The hidden fields of the default theme's login form (helpers.oauthHiddenFields, fusionauth-theme-history). */
export const HOSTED_FORM_HIDDEN_FIELDS = [
  'captcha_token',
  'client_id',
  'code_challenge',
  'code_challenge_method',
  'metaData.device.name',
  'metaData.device.type',
  'nonce',
  'oauth_context',
  'max_age',
  'pendingIdPLinkId',
  'prompt',
  'redirect_uri',
  'response_mode',
  'response_type',
  'scope',
  'state',
  'tenantId',
  'timezone',
  'user_code',
] as const;

/** The authorize request's parameters (the hosted form posts them back as hidden fields). */
export type Params = Record<string, string | undefined>;

/** The default theme's login page (oauth2Authorize.ftl): the authorize parameters as hidden fields, loginId, password, "Keep me signed in". */
export function loginForm(p: Params, app: DirectoryApplication, status: number, errors: { loginId?: string; password?: string; general?: string } = {}): OutRes {
  const hidden = HOSTED_FORM_HIDDEN_FIELDS.map((n) => `<input type="hidden" name="${n}" value="${esc(p[n] ?? '')}">`).join('\n');
  const fieldError = (m?: string) => (m ? `<span class="error">${esc(m)}</span>` : '');
  const body =
    `<main class="page-body">\n<h1>Login</h1>\n<p class="application">${esc(app.name)}</p>\n` +
    (errors.general ? `<div class="alert error" role="alert">${esc(errors.general)}</div>\n` : '') +
    `<form action="/oauth2/authorize" method="POST" class="full">\n${hidden}\n` +
    '<input type="hidden" name="showPasswordField" value="true">\n' +
    '<input type="hidden" name="userVerifyingPlatformAuthenticatorAvailable" value="false">\n' +
    `<label for="loginId">Email</label>\n<input id="loginId" type="text" name="loginId" value="${esc(p.loginId ?? '')}" autocomplete="username" autocapitalize="none" autocorrect="off" spellcheck="false" autofocus placeholder="Email">${fieldError(errors.loginId)}\n` +
    `<label for="password">Password</label>\n<input id="password" type="password" name="password" value="" autocomplete="current-password" placeholder="Password">${fieldError(errors.password)}\n` +
    '<label><input id="rememberDevice" type="checkbox" name="rememberDevice" value="true"> Keep me signed in</label>\n<input type="hidden" name="__cb_rememberDevice" value="false">\n' +
    '<button type="submit" class="button blue">Submit</button>\n</form>\n</main>';
  return { status, headers: [['Content-Type', 'text/html;charset=UTF-8'], ['Cache-Control', 'no-store']], body: page('Login', body) };
}

/** A 400 page (RFC 6749 §4.1.2.1: an unknown client or redirect URI is shown, never redirected to). */
export function errorPage(error: string, reason: string, description: string): OutRes {
  return {
    status: 400,
    headers: [['Content-Type', 'text/html;charset=UTF-8'], ['Cache-Control', 'no-store']],
    body: page('Error', `<main class="error" data-error="${esc(error)}" data-error-reason="${esc(reason)}">\n<h1>Error</h1>\n<p class="alert error" role="alert">${esc(description)}</p>\n</main>`),
  };
}

/** The authorization response in the requested response_mode (query by default for code). */
export function deliver(p: Params, params: [string, string][], cookies: string[]): OutRes {
  const headers: [string, string][] = cookies.map((c) => ['Set-Cookie', c]);
  headers.push(['Cache-Control', 'no-store']);
  if (p.response_mode === 'form_post') {
    const inputs = params.map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('\n');
    headers.push(['Content-Type', 'text/html;charset=UTF-8']);
    return { status: 200, headers, body: page('Redirecting', `<form method="post" action="${esc(p.redirect_uri!)}">\n${inputs}\n<noscript><button type="submit">Continue</button></noscript>\n</form>\n<script>document.forms[0].submit()</script>`) };
  }
  const target = new URL(p.redirect_uri!);
  const q = new URLSearchParams(params);
  if (p.response_mode === 'fragment') target.hash = q.toString();
  else for (const [k, v] of params) target.searchParams.append(k, v);
  headers.push(['Location', target.toString()]);
  return { status: 302, headers, body: '' };
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} | FusionAuth</title></head>\n<body>\n${body}\n</body></html>\n`;
}
