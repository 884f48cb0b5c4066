import { Given, Then, When } from '@cucumber/cucumber';
import type { LoginflowWorld as W } from './world';

/** Attack vectors: INFO verdicts, reported as worked or blocked. */

Given('the hacker has stolen the refresh token cookie from the browser', function (this: W) {
  return this.webapp.steal('refresh', 'store');
});
Given('the hacker has stolen the JWT cookie from the browser', function (this: W) {
  return this.webapp.steal('jwt', 'store');
});
When('the hacker loads the shopping cart with a bad JWT {steps}', async function (this: W, _steps: string) {
  await this.webapp.hackerPresentsBadJwt('store');
  await this.s.open('Hacker', 'store', 'cart');
});
Then('the report says whether the store refreshed the JWT for the hacker {steps}', function (this: W, _steps: string) {
  this.webapp.attackRefreshed('store');
});
Then('the report says whether the hacker got the shopping cart of {email} and a new JWT {steps}', function (this: W, _user: string, _steps: string) {
  this.webapp.attackGotPage('store', true);
});
Then('the report says whether the hacker got the shopping cart of {email} {steps}', function (this: W, _user: string, _steps: string) {
  if (this.usesSpa) this.spa.attackJwt();
  else this.webapp.attackGotPage('store', false);
});
