import { Given, Then, When } from '@cucumber/cucumber';
import type { TargetName } from '../harness/backend/config';
import type { PasswordKind } from '../harness/workflow/identity/flow';
import type { PageName } from '../harness/workflow/scenario';
import { appOfPage } from '../harness/workflow/apps';
import type { LoginflowWorld as W } from './world';

/**
 * Steps of the scenarios every workflow adds to its diagram (issue #11): two users in two
 * browsers, failed logins, secrets in URLs. Each one call onto the harness IdentityFlow.
 */
type App = TargetName;

// ---- secrets in URLs: armed in the Background, checked over the journal when the scenario ends
Given('the password is never sent in a URL {steps}', function (this: W, steps: string) {
  this.identity.arm('password', firstStep(steps));
});
Given(/^no (?:JWT, refresh token or session id|JWT or refresh token) is ever sent in a URL (\(steps? [0-9, \-–]+\))$/, function (this: W, steps: string) {
  this.identity.arm('token', firstStep(steps));
});

// ---- two users, webapp
Given('{email} has logged in to the {app} in one browser', function (this: W, user: string, app: App) {
  return this.identity.loggedIn(app, user);
});
Given('{email} has logged in to the {app} in another browser', function (this: W, user: string, app: App) {
  return this.identity.loggedIn(app, user);
});
Given('the JWT in the browser of {email} has expired', function (this: W, user: string) {
  return this.identity.expireJwt('store', user);
});
When('the browser of {email} loads the {userpage} again {steps}', function (this: W, user: string, page: PageName, _steps: string) {
  return this.identity.load(appOfPage(page), page, user);
});
Then('the {userpage} is that of {email}, not of {email} {steps}', function (this: W, _page: PageName, holder: string, other: string, _steps: string) {
  this.identity.isHolders(holder, other, `after ${other} logged in in another browser`);
});
Then('after the refresh, the {userpage} is that of {email}, not of {email} {steps}', function (this: W, _page: PageName, holder: string, other: string, _steps: string) {
  this.identity.isHolders(holder, other, 'after the backend refreshed the JWT');
});
When('a browser without cookies asks for the {userpage} with the credential of {email} in the query string {steps}', function (this: W, page: PageName, user: string, _steps: string) {
  return this.identity.probeQuery(appOfPage(page), page, user);
});
Then('the {userpage} of {email} was not shown to it {steps}', function (this: W, _page: PageName, _user: string, _steps: string) {
  this.identity.queryCredentialRefused();
});

// ---- two users, single-page app
Given('{email} has logged in through the {app} app in one browser', function (this: W, user: string, app: App) {
  return this.identity.spaLoggedIn(app, user);
});
Given('{email} has logged in through the {app} app in another browser', function (this: W, user: string, app: App) {
  return this.identity.spaLoggedIn(app, user);
});
Given('the JWT in the local storage of {email} has expired', function (this: W, user: string) {
  return this.identity.spaExpireJwt('store', user);
});
When('the app in the browser of {email} loads the {userpage} again {steps}', function (this: W, user: string, page: PageName, _steps: string) {
  return this.identity.spaLoad(appOfPage(page), user);
});
Then('the API answered with the {userpage} of {email}, not of {email} {steps}', function (this: W, _page: PageName, holder: string, other: string, _steps: string) {
  this.identity.isHolders(holder, other, `after ${other} logged in in another browser`);
});
Then('after the refresh, the API answered with the {userpage} of {email}, not of {email} {steps}', function (this: W, _page: PageName, holder: string, other: string, _steps: string) {
  this.identity.isHolders(holder, other, 'after the app refreshed the JWT');
});
When('a page without a JWT calls the {userpage} API with the JWT of {email} in the query string {steps}', function (this: W, page: PageName, user: string, _steps: string) {
  return this.identity.spaProbeQuery(appOfPage(page), user);
});
Then('the API did not answer with the {userpage} of {email} {steps}', function (this: W, _page: PageName, _user: string, _steps: string) {
  this.identity.queryCredentialRefused();
});

// ---- failed logins
const PASSWORD = /(the password|a wrong password|a blank password)/;
When(new RegExp(`^the browser submits the (store|forums) login form as (\\S+) with ${PASSWORD.source}, which FusionAuth answers (\\d+) (\\(steps? [0-9, \\-–]+\\))$`), function (this: W, app: App, user: string, kind: PasswordKind, status: string, _steps: string) {
  return this.identity.attemptLogin(app, user, kind, Number(status));
});
Then('the {app} set no JWT, refresh token or session cookie {steps}', function (this: W, _app: App, _steps: string) {
  this.identity.noCredentialAfterFailedLogin();
});
Then('the {app} answered with its login page and an error, not a server error {steps}', function (this: W, _app: App, _steps: string) {
  this.identity.failedLoginExplained();
});
Then('loading the {userpage} afterwards does not show it {steps}', function (this: W, page: PageName, _steps: string) {
  return this.identity.noAccessAfterFailedLogin(page);
});
When(new RegExp(`^the user tries to log in through the (store|forums) app as (\\S+) with ${PASSWORD.source}, which FusionAuth answers (\\d+) (\\(steps? [0-9, \\-–]+\\))$`), function (this: W, app: App, user: string, kind: PasswordKind, status: string, _steps: string) {
  return this.identity.spaAttemptLogin(app, user, kind, Number(status));
});
Then('the app keeps no token {steps}', function (this: W, _steps: string) {
  return this.identity.spaNothingStored();
});
Then('the app shows its login form again with an error {steps}', function (this: W, _steps: string) {
  return this.identity.spaFormAgain();
});

function firstStep(ref: string): number {
  const m = /\d+/.exec(ref);
  if (!m) throw new Error(`no step number in ${ref}`);
  return Number(m[0]);
}
