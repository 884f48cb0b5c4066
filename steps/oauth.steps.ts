import { After, Given, Then, When } from '@cucumber/cucumber';
import type { TargetName } from '../harness/backend/config';
import type { ActorName, PageName } from '../harness/workflow/scenario';
import { appOfPage } from '../harness/workflow/apps';
import { type IdTokenDefect, OAuthFlow } from '../harness/workflow/oauth/flow';
import type { LoginflowWorld as W } from './world';

/**
 * Steps of the OAuth authorization-code workflows (webapp-oauth-code-sessions and
 * webapp-oauth-code-jwt-cookies): each one call onto the OAuthFlow of the scenario. Their
 * texts are their own (none matches a native-login step), so the two families never meet.
 */
type App = TargetName;
/** The scenario's OAuth flow (registry `flows: ['oauth']`), built on first use. */
function oauth(w: W): OAuthFlow {
  return w.flows.get('oauth');
}
const appOf = appOfPage;

// ---- preconditions
Given('{email} has logged in to the {app} through FusionAuth', function (this: W, user: string, app: App) {
  return oauth(this).loggedIn('Browser', app, user);
});
Given('{email} has logged in to the {app} through FusionAuth in one browser', function (this: W, user: string, app: App) {
  return oauth(this).userLoggedIn(app, user);
});
Given('{email} has logged in to the {app} through FusionAuth in another browser', function (this: W, user: string, app: App) {
  return oauth(this).userLoggedIn(app, user);
});
Given("the {app}'s session has been idle for longer than its TTL", function (this: W, _app: App) {
  return oauth(this).idlePastSessionTtl();
});
Given("the {app}'s JWT in the browser has expired", function (this: W, app: App) {
  return oauth(this).expireJwt('Browser', app);
});
Given("the {app}'s refresh token in the browser has expired", function (this: W, app: App) {
  return oauth(this).expireRefreshToken('Browser', app);
});

// ---- the login, step by step
When('the {actor} visits the {app} home page {steps}', async function (this: W, actor: ActorName, app: App, _steps: string) {
  if (app === 'forums') await this.s.credentials.takeSnapshot(actor, 'store');
  await oauth(this).visitHome(actor, app);
});
Then('the home page links to the login {steps}', function (this: W, _steps: string) {
  oauth(this).pageLinksToLogin();
});
When('the {actor} clicks the login link and is sent to FusionAuth {steps}', async function (this: W, actor: ActorName, _steps: string) {
  await oauth(this).clickLogin(actor);
});
Then("the {app} sent the browser to FusionAuth's authorize endpoint with response type code, its client id, its own redirect URI and an openid scope {steps}", function (this: W, app: App, _steps: string) {
  oauth(this).authorizeRequest(app);
});
Then('the authorization request uses PKCE with S256 {steps}', function (this: W, _steps: string) {
  oauth(this).pkce('store');
});
Then('FusionAuth showed its login form {steps}', function (this: W, _steps: string) {
  oauth(this).loginFormShown();
});
When("the browser signs in on FusionAuth's form as {email}, keeping the user signed in {steps}", async function (this: W, user: string, _steps: string) {
  await oauth(this).signIn('Browser', user);
});
Then('FusionAuth sent the browser back to the {app} with a code and the state {steps}', function (this: W, app: App, _steps: string) {
  oauth(this).codeRedirect(app);
});
Then('FusionAuth signed the browser in from its SSO cookie, without its login form {steps}', function (this: W, _steps: string) {
  oauth(this).ssoLogin('forums');
});
When("the browser follows FusionAuth's redirect to the {app} {steps}", async function (this: W, app: App, _steps: string) {
  await oauth(this).followToApp('Browser', app);
});
Then('the {app} exchanged the code with FusionAuth server-side, once, with its client secret and the PKCE verifier {steps}', function (this: W, app: App, _steps: string) {
  oauth(this).codeExchanged(app);
});
Then('the {app} set only a session id, as an HttpOnly cookie for its own host {steps}', function (this: W, app: App, _steps: string) {
  oauth(this).sessionCreated(app);
});
Then('none of the tokens FusionAuth issued reached the browser {steps}', function (this: W, _steps: string) {
  oauth(this).tokensNotInBrowser();
});
Then('the {app} keeps the JWT and the refresh token in HttpOnly cookies for its own host {steps}', function (this: W, app: App, _steps: string) {
  oauth(this).tokenCookiesSet(app);
});
Then('the browser was sent on to the {userpage} {steps}', function (this: W, page: PageName, _steps: string) {
  oauth(this).redirectedTo(page);
});
When('the browser follows the redirect to the {userpage} {steps}', async function (this: W, page: PageName, _steps: string) {
  await oauth(this).followRedirect('Browser', appOf(page));
});
Then("the browser sent the {app}'s login cookies {steps}", function (this: W, app: App, _steps: string) {
  oauth(this).cookiesSent(app);
});
Then('the {app} showed the {userpage} of {email} {steps}', function (this: W, app: App, page: PageName, user: string, _steps: string) {
  oauth(this).pageShown(app, page, user);
});
Then("the browser sent none of the store's cookies to the forums {steps}", function (this: W, _steps: string) {
  oauth(this).noStoreCookiesTo('forums');
});
Then("the browser's store cookies did not change {steps}", function (this: W, _steps: string) {
  return this.s.otherCookiesUntouched('Browser', 'store');
});

// ---- loads, expiry, re-login
When('the {actor} opens the {userpage} {steps}', async function (this: W, actor: ActorName, page: PageName, _steps: string) {
  await oauth(this).rememberTokens(actor === 'Hacker' ? 'Browser' : actor, appOf(page));
  await oauth(this).open(actor, appOf(page), page);
});
Then('the {app} sent the browser to its login {steps}', function (this: W, _app: App, _steps: string) {
  oauth(this).redirectedTo('login');
});
When('the browser logs in to the {app} again through FusionAuth {steps}', async function (this: W, app: App, _steps: string) {
  await oauth(this).logIn('Browser', app, this.scenario.user);
});
Then("the {app} refreshed the JWT at FusionAuth with the browser's refresh token {steps}", function (this: W, app: App, _steps: string) {
  oauth(this).calledRefresh(app, 200);
});
Then('the {app} tried to refresh the JWT and FusionAuth answered {int} {steps}', function (this: W, app: App, status: number, _steps: string) {
  oauth(this).calledRefresh(app, status);
});
Then('the {app} set the new JWT as an HttpOnly cookie {steps}', function (this: W, _app: App, _steps: string) {
  oauth(this).jwtCookieReplaced();
});

// ---- state: login CSRF
Given("the hacker has a code FusionAuth issued for {email} at the {app}'s redirect URI", function (this: W, user: string, app: App) {
  return oauth(this).hackerCode(app, user);
});
Given('the browser has started a login at the {app}', function (this: W, app: App) {
  return oauth(this).startLoginOnly('Browser', app);
});
When("the browser arrives at the {app}'s redirect URI with the hacker's code and a state the {app} never issued {steps}", function (this: W, app: App, _app2: App, _steps: string) {
  return oauth(this).forgedCallback('Browser', app, 'forged');
});
When("the browser arrives at the {app}'s redirect URI with the hacker's code and the state the {app} issued to the hacker {steps}", function (this: W, app: App, _app2: App, _steps: string) {
  return oauth(this).forgedCallback('Browser', app, 'replayed');
});
Then('the {app} did not log the browser in as {email} {steps}', function (this: W, app: App, user: string, _steps: string) {
  oauth(this).stateChecked(app, user);
});
Then("the {app} did not log the browser in as {email}, the state being the hacker's {steps}", function (this: W, app: App, user: string, _steps: string) {
  oauth(this).stateBound(app, user);
});

// ---- the id_token
Given(/^FusionAuth will answer the (store|forums)'s next code exchange with an id_token with (another nonce|a bad signature|another audience)$/, function (this: W, _app: string, defect: IdTokenDefect) {
  oauth(this).tamperNextIdToken(defect);
});
When('the browser logs in to the {app} through FusionAuth as {email} {steps}', function (this: W, app: App, user: string, _steps: string) {
  return oauth(this).tryLogIn('Browser', app, user);
});
Then('the {app} did not log {email} in on that id_token {steps}', function (this: W, app: App, user: string, _steps: string) {
  oauth(this).idTokenVerified(app, user);
});

// ---- two users
When('the browser of {email} opens the {userpage} again {steps}', function (this: W, user: string, page: PageName, _steps: string) {
  return oauth(this).userLoads(appOf(page), page, user);
});
Then('it shows the {userpage} of {email}, not of {email} {steps}', function (this: W, page: PageName, holder: string, other: string, _steps: string) {
  oauth(this).isHolders(appOf(page), page, holder, other);
});

// ---- attack vectors
Given("the hacker has copied the {app}'s login cookies from the browser", function (this: W, app: App) {
  return oauth(this).steal('session', app);
});
Given("the hacker has copied the {app}'s refresh token from the browser, with a bad JWT", function (this: W, app: App) {
  return oauth(this).steal('refresh', app);
});
Given("the hacker has copied the {app}'s JWT from the browser", function (this: W, app: App) {
  return oauth(this).steal('jwt', app);
});
Then('the report says whether the hacker got the {userpage} of {email} with the stolen cookies {steps}', function (this: W, page: PageName, _user: string, _steps: string) {
  oauth(this).attackGotPage(appOf(page), false);
});
Then('the report says whether the {app} refreshed the JWT for the hacker with the stolen refresh token {steps}', function (this: W, app: App, _steps: string) {
  oauth(this).attackRefreshed(app);
});
Then('the report says whether the hacker got the {userpage} of {email} and a new JWT with the stolen refresh token {steps}', function (this: W, page: PageName, _user: string, _steps: string) {
  oauth(this).attackGotPage(appOf(page), true);
});

// Browser mode: the scenario's Chromium context stops following the world clock with the scenario.
After(async function (this: W) {
  // Only a scenario that drove the OAuth flow has a Chromium of its own to close.
  if (this.scenario && this.flows.has('oauth')) await this.flows.get('oauth').close();
});
