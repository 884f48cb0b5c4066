import { Given, Then, When } from '@cucumber/cucumber';
import { badJwtKind } from '../harness/workflow/bad-jwt';
import type { ActorName, PageName } from '../harness/workflow/scenario';
import type { TargetName } from '../harness/backend/config';
import { appOfPage } from '../harness/workflow/apps';
import type { LoginflowWorld as W } from './world';

/**
 * Steps shared by the webapp workflows (login form posted to the backend). Each is one
 * call onto the harness Scenario; the trailing `{steps}` is the diagram-step reference
 * the BeforeStep hook has already read.
 */
type A = ActorName;
type App = TargetName;

Given('the store and the forums are running against the FusionAuth double', function (this: W) {
  // The Before hook started them (once per run); nothing to do but read as the spec does.
});
Given('{email} has logged in to the {app}', function (this: W, user: string, app: App) {
  return this.webapp.loggedIn('Browser', app, user);
});
// A variant the backend's config does not declare is skipped, not failed.
Given('the FusionAuth double uses {word} refresh tokens', function (this: W, policy: string) {
  if (!this.s.env.supports('refreshTokenPolicy', policy)) return this.s.notApplicableHere(`refreshTokenPolicy=${policy}`, this.s.env.whyNot('refreshTokenPolicy', policy));
  this.s.env.double.setOptions({ refreshTokenPolicy: policy as 'Reusable' | 'OneTimeUse' });
});
Given('the FusionAuth double answers {int} for an expired refresh token', function (this: W, status: number) {
  if (!this.s.env.supports('refreshFailureStatus', status)) return this.s.notApplicableHere(`refreshFailureStatus=${status}`, this.s.env.whyNot('refreshFailureStatus', status));
  // /oauth2/token answers an unknown refresh token with 400 invalid_grant, as OAuth says; the
  // diagram's 404 only exists for /api/jwt/refresh.
  if (status === 404 && this.s.env.variant.refreshEndpoint === '/oauth2/token') {
    return this.s.notApplicableHere('refreshEndpoint=/api/jwt/refresh', 'a 404 refresh failure is an /api/jwt/refresh behaviour; the backend calls /oauth2/token in this run, which answers an expired refresh token with 400');
  }
  this.s.env.double.setOptions({ refreshFailureStatus: status as 400 | 404 });
});
Given('the JWT in the browser has expired', function (this: W) {
  return this.webapp.expireJwt('Browser', 'store');
});
Given('the refresh token in the browser has expired', function (this: W) {
  return this.webapp.expireRefreshToken('Browser', 'store');
});

When('the {actor} opens the {app} home page {steps}', async function (this: W, actor: A, app: App, _steps: string) {
  if (app === 'forums') await this.s.credentials.takeSnapshot(actor, 'store');
  await this.s.open(actor, app, 'home');
});
When('the {actor} follows the login link {steps}', function (this: W, actor: A, _steps: string) {
  return this.webapp.followLoginLink(actor);
});
When('the {actor} submits the login form as {email} {steps}', function (this: W, actor: A, user: string, _steps: string) {
  return this.webapp.submitLogin(actor, this.s.currentApp(), user);
});
When('the {actor} follows the redirect {steps}', function (this: W, actor: A, _steps: string) {
  return this.webapp.followRedirect(actor);
});
When('the {actor} loads the {userpage} {steps}', async function (this: W, actor: A, page: PageName, _steps: string) {
  await this.webapp.rememberTokens(actor, appOfPage(page));
  await this.s.open(actor, appOfPage(page), page);
});
When(/^the browser loads the (shopping cart|forum posts) with (a JWT with a bad signature|an unsigned JWT|a JWT for the (?:forums|store) application|an expired JWT) and no refresh token \(steps? [0-9, \-–]+\)$/, function (this: W, page: PageName, jwt: string) {
  // The capture group is the {userpage} parameter type's pattern, so cucumber hands over its transform ('cart' | 'posts').
  return this.webapp.presentBadJwt('Browser', appOfPage(page), badJwtKind(jwt));
});
When('the {actor} logs in to the {app} again as {email} {steps}', function (this: W, actor: A, app: App, user: string, _steps: string) {
  return this.webapp.logIn(actor, app, user);
});

Then('the page links to the login page {steps}', function (this: W, _steps: string) {
  this.webapp.pageLinksToLogin();
});
Then('the page has a login form with a login id and a password field {steps}', function (this: W, _steps: string) {
  this.webapp.pageHasLoginForm();
});
Then('the {app} called the FusionAuth Login API with the credentials, its API key and its application id {steps}', function (this: W, app: App, _steps: string) {
  this.webapp.calledLogin(app);
});
Then('the browser was redirected to the {userpage} {steps}', function (this: W, page: PageName, _steps: string) {
  this.webapp.redirectedTo(page);
});
Then('the browser was redirected to the login page {steps}', function (this: W, _steps: string) {
  this.webapp.redirectedTo('login');
});
Then('the {app} set the JWT and the refresh token as HttpOnly cookies for its own host {steps}', function (this: W, app: App, _steps: string) {
  return this.webapp.tokenCookiesSet(app);
});
Then("the {app}'s cookies are Secure and SameSite {steps}", function (this: W, app: App, _steps: string) {
  this.webapp.credentialCookiesHardened(app);
});
Then('the browser sent the JWT and the refresh token cookies {steps}', function (this: W, _steps: string) {
  this.webapp.credentialCookiesSent();
});
Then('the browser sent the session cookie {steps}', function (this: W, _steps: string) {
  this.webapp.credentialCookiesSent();
});
Then('the {userpage} of {email} is/are shown {steps}', function (this: W, page: PageName, user: string, _steps: string) {
  this.webapp.pageShown(page, user);
});
Then('the {userpage} is not shown {steps}', function (this: W, page: PageName, _steps: string) {
  this.webapp.pageRefused(page);
});
Then('the {app} called the FusionAuth refresh API with the refresh token {steps}', function (this: W, app: App, _steps: string) {
  this.webapp.calledRefresh(app, 200, this.webapp.rememberedRefreshToken());
});
Then('the {app} called the FusionAuth refresh API and got {int} {steps}', function (this: W, app: App, status: number, _steps: string) {
  this.webapp.calledRefresh(app, status, this.webapp.rememberedRefreshToken());
});
Then('the {app} replaced the JWT cookie with the new HttpOnly JWT {steps}', function (this: W, _app: App, _steps: string) {
  this.webapp.jwtCookieReplaced(this.webapp.rememberedJwt());
});
Then('the browser holds the refresh token FusionAuth issued last {steps}', function (this: W, _steps: string) {
  return this.webapp.refreshTokenCurrent('Browser', 'store');
});
Then('the browser sent no cookies to the {app} {steps}', function (this: W, app: App, _steps: string) {
  this.s.noCookiesSentTo(app);
});
Then("the {app}'s cookies did not change {steps}", function (this: W, app: App, _steps: string) {
  return this.s.otherCookiesUntouched('Browser', app);
});

