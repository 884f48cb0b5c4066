import { Given, Then, When } from '@cucumber/cucumber';
import type { TargetName } from '../harness/backend/config';
import { badJwtKind } from '../harness/workflow/bad-jwt';
import { appOfPage } from '../harness/workflow/apps';
import type { LoginflowWorld as W } from './world';

/** Steps of the single-page-app workflow; each one call onto the harness SpaFlow. */

Given('{email} has logged in through the store app', function (this: W, user: string) {
  return this.spa.loggedIn(user);
});
Given('the JWT in local storage has expired', function (this: W) {
  return this.spa.expireJwt();
});
Given('the refresh token cookie has expired', function (this: W) {
  return this.spa.expireRefreshToken();
});
Given("the hacker has stolen FusionAuth's refresh token cookie from the browser", function (this: W) {
  return this.spa.stealRefreshCookie();
});
Given('the hacker has stolen the JWT from local storage', function (this: W) {
  return this.spa.stealJwt();
});

When('the browser opens the {app} app {steps}', function (this: W, app: TargetName, _steps: string) {
  return this.spa.open(app);
});
When('the user logs in through the app as {email} {steps}', function (this: W, user: string, _steps: string) {
  return this.spa.logIn(user);
});
When('the app loads the {userpage} with the JWT {steps}', function (this: W, page: string, _steps: string) {
  return this.spa.load(appOfPage(page));
});
When('the app loads the shopping cart again {steps}', function (this: W, _steps: string) {
  return this.spa.load('store', true);
});
When(/^the app calls the shopping cart API with (a JWT with a bad signature|an unsigned JWT|a JWT for the forums application|an expired JWT) \(steps? [0-9, \-–]+\)$/, function (this: W, jwt: string) {
  return this.spa.callApiWith(badJwtKind(jwt));
});
When('a page on another origin calls the shopping cart API with credentials {steps}', function (this: W, _steps: string) {
  return this.spa.crossOriginCall();
});
When('the hacker calls the FusionAuth refresh API with the stolen cookie {steps}', function (this: W, _steps: string) {
  return this.spa.hackerRefreshes();
});
When('the hacker calls the shopping cart API with the JWT FusionAuth gave them {steps}', function (this: W, _steps: string) {
  return this.spa.hackerCallsApi(false);
});
When('the hacker calls the shopping cart API with the stolen JWT {steps}', function (this: W, _steps: string) {
  return this.spa.hackerCallsApi(true);
});

Then('the app finds no JWT in local storage and shows its login form {steps}', function (this: W, _steps: string) {
  return this.spa.noJwtAndLoginForm('start');
});
Then('the app shows its login form again {steps}', function (this: W, _steps: string) {
  return this.spa.noJwtAndLoginForm('refresh failed');
});
Then('the browser itself called the FusionAuth Login API with the {app} application id {steps}', function (this: W, app: TargetName, _steps: string) {
  this.spa.calledLogin(app);
});
Then("the browser holds FusionAuth's refresh token cookie, HttpOnly, for the FusionAuth host only {steps}", function (this: W, _steps: string) {
  return this.spa.refreshCookieHeld();
});
Then('the app moved the JWT to local storage {steps}', function (this: W, _steps: string) {
  return this.spa.jwtInStorage();
});
Then('the app moved the new JWT to local storage {steps}', function (this: W, _steps: string) {
  return this.spa.jwtInStorage(true);
});
Then('the app keeps no refresh token in local storage {steps}', function (this: W, _steps: string) {
  return this.spa.noRefreshTokenInStorage();
});
Then('the API returns the {userpage} of {email} {steps}', async function (this: W, page: string, _user: string, _steps: string) {
  this.spa.apiReturns(appOfPage(page));
  const png = await this.spa.screenshotOnce();
  if (png) this.attach(png, { mediaType: 'image/png', fileName: 'screenshot-after-login.png' });
});
Then('the API answers 401 {steps}', function (this: W, _steps: string) {
  this.spa.apiRefused();
});
Then('the API does not allow that origin to read the answer with credentials {steps}', function (this: W, _steps: string) {
  this.spa.corsKept();
});
Then('the browser called the FusionAuth refresh API with the refresh token cookie {steps}', function (this: W, _steps: string) {
  this.spa.calledRefresh(200);
});
Then('the browser called the FusionAuth refresh API and got {int} {steps}', function (this: W, status: number, _steps: string) {
  this.spa.calledRefresh(status);
});
Then("the report says whether the browser sent the store's refresh token cookie to FusionAuth {steps}", function (this: W, _steps: string) {
  this.spa.storeCookieSent();
});
Then("the report says whether the forums' refresh token cookie replaced the store's {steps}", function (this: W, _steps: string) {
  return this.spa.cookieClobbered();
});
Then('the report says whether the hacker got a JWT and the shopping cart of {email} {steps}', function (this: W, _user: string, _steps: string) {
  this.spa.attackRefresh();
});
