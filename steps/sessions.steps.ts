import { Given, Then, When } from '@cucumber/cucumber';
import type { TargetName } from '../harness/backend/config';
import type { LoginflowWorld as W } from './world';

/** Steps of the server-side session workflow; each one call onto the harness Scenario. */

Given('the browser has stayed idle for longer than the session TTL', function (this: W) {
  return this.sessions.idlePastTtl();
});
Given('the hacker has stolen the session cookie from the browser', function (this: W) {
  return this.webapp.steal('session', 'store');
});
When('the browser logs in to the {app} {int} times as {email} {steps}', function (this: W, app: TargetName, n: number, user: string, _steps: string) {
  return this.sessions.logInTimes('Browser', app, n, user);
});
When('the browser keeps loading the shopping cart, each time within the session TTL, until more than the TTL has passed since login {steps}', function (this: W, _steps: string) {
  return this.sessions.keepUsing('Browser', 'store', 'cart');
});
Then('the {app} created a session and set only its id, as an HttpOnly cookie for its own host {steps}', function (this: W, app: TargetName, _steps: string) {
  this.sessions.sessionCreated(app);
});
Then('no cookie holds the JWT or the refresh token FusionAuth issued {steps}', function (this: W, _steps: string) {
  this.sessions.tokensNotInBrowser('Browser');
});
Then('the {app} issued a new session id, not the one the browser held {steps}', function (this: W, app: TargetName, _steps: string) {
  this.sessions.newSessionId(app);
});
Then('the session ids carry at least {int} bits of entropy {steps}', function (this: W, bits: number, _steps: string) {
  this.sessions.sessionIdEntropy('store', bits);
});
Then('the session was extended at each use: every load showed the shopping cart of {email} {steps}', function (this: W, _user: string, _steps: string) {
  this.sessions.sessionExtended('store', 'cart');
});
