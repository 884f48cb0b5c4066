@workflow:webapp-oauth-code-jwt-cookies @ids:WOJ
Feature: Webapp OAuth login with the authorization code grant, with the JWT and refresh token in HttpOnly cookies
  The store's and the forums' login links send the browser to FusionAuth's hosted login page
  (GET /oauth2/authorize). FusionAuth signs the user in, keeps its own SSO session in the
  fusionauth.sso cookie ("Keep me signed in") and sends the browser back to the app's redirect
  URI with a single-use code. The app's backend exchanges the code at FusionAuth's token
  endpoint, server to server, with its client secret and its PKCE verifier, verifies the
  id_token, and keeps FusionAuth's access token (a JWT) and refresh token in HttpOnly cookies
  for its own host. When the JWT has expired it refreshes it (grant_type=refresh_token); when
  the refresh token has expired too (FusionAuth answers 400), the user logs in again. The forums
  then log in without a password while FusionAuth's session lives (single sign-on).

  Every step ends with the numbers of the arrows it exercises in
  diagrams/webapp-oauth-code-jwt-cookies.puml; `loginflow check-spec` proves they cover all 37.

  Background:
    Given the store and the forums are running against the FusionAuth double
    And the password is never sent in a URL (step 5)
    And no JWT or refresh token is ever sent in a URL (step 10)

  Rule: Login through FusionAuth's hosted login page

    Scenario: Log in to the store through FusionAuth and load the shopping cart
      When the browser visits the store home page (steps 1-2)
      Then the home page links to the login (step 2)
      When the browser clicks the login link and is sent to FusionAuth (steps 3-4)
      Then the store sent the browser to FusionAuth's authorize endpoint with response type code, its client id, its own redirect URI and an openid scope (step 3)
      And the authorization request uses PKCE with S256 (step 3)
      And FusionAuth showed its login form (step 4)
      When the browser signs in on FusionAuth's form as alice@example.com, keeping the user signed in (steps 5-6)
      Then FusionAuth sent the browser back to the store with a code and the state (step 6)
      When the browser follows FusionAuth's redirect to the store (steps 7-10)
      Then the store exchanged the code with FusionAuth server-side, once, with its client secret and the PKCE verifier (steps 8-9)
      And the store keeps the JWT and the refresh token in HttpOnly cookies for its own host (step 10)
      And the browser was sent on to the shopping cart (step 10)
      When the browser follows the redirect to the shopping cart (steps 11-12)
      Then the browser sent the store's login cookies (step 11)
      And the store showed the shopping cart of alice@example.com (step 12)

  Rule: The callback completes only a login this browser started (state, login CSRF)

    Scenario: A callback with another login's code and a state the store never issued is refused
      Given the hacker has a code FusionAuth issued for bob@example.com at the store's redirect URI
      And the browser has started a login at the store
      When the browser arrives at the store's redirect URI with the hacker's code and a state the store never issued (step 7)
      Then the store did not log the browser in as bob@example.com (step 7)

    Scenario: A callback with the state the store issued to another browser is refused
      Given the hacker has a code FusionAuth issued for bob@example.com at the store's redirect URI
      And the browser has started a login at the store
      When the browser arrives at the store's redirect URI with the hacker's code and the state the store issued to the hacker (step 7)
      Then the store did not log the browser in as bob@example.com, the state being the hacker's (step 7)

  Rule: The store trusts the id_token only once it has verified it

    Scenario Outline: An id_token with <defect> is refused
      Given FusionAuth will answer the store's next code exchange with an id_token with <defect>
      When the browser logs in to the store through FusionAuth as alice@example.com (steps 3-10)
      Then the store did not log alice@example.com in on that id_token (step 9)

      Examples:
        | defect            |
        | another nonce     |
        | a bad signature   |
        | another audience  |

  Rule: Each browser is shown its own user's pages

    Scenario: Two users log in to the store in two browsers, interleaved
      Given alice@example.com has logged in to the store through FusionAuth in one browser
      And bob@example.com has logged in to the store through FusionAuth in another browser
      When the browser of alice@example.com opens the shopping cart again (steps 11-12)
      Then it shows the shopping cart of alice@example.com, not of bob@example.com (step 12)
      When the browser of bob@example.com opens the shopping cart again (steps 11-12)
      Then it shows the shopping cart of bob@example.com, not of alice@example.com (step 12)

  Rule: An expired JWT is refreshed; an expired refresh token sends the user to log in again

    Scenario: The store refreshes an expired JWT with the refresh token
      Given alice@example.com has logged in to the store through FusionAuth
      And the store's JWT in the browser has expired
      When the browser opens the shopping cart (step 13)
      Then the store refreshed the JWT at FusionAuth with the browser's refresh token (steps 14-15)
      And the store set the new JWT as an HttpOnly cookie (step 16)
      And the store showed the shopping cart of alice@example.com (step 16)

    Scenario: An expired refresh token sends the user to log in again
      Given alice@example.com has logged in to the store through FusionAuth
      And the store's refresh token in the browser has expired
      When the browser opens the shopping cart (step 17)
      Then the store tried to refresh the JWT and FusionAuth answered 400 (steps 18-19)
      And the store sent the browser to its login (step 20)
      When the browser logs in to the store again through FusionAuth (step 21)
      Then the store showed the shopping cart of alice@example.com (step 21)

  Rule: Single sign-on to the forums through FusionAuth's session, each app with its own cookies

    Scenario: The forums log in without a password while FusionAuth's session lives
      Given alice@example.com has logged in to the store through FusionAuth
      When the browser visits the forums home page (steps 22-23)
      Then the browser sent none of the store's cookies to the forums (step 22)
      And the home page links to the login (step 23)
      When the browser clicks the login link and is sent to FusionAuth (steps 24-25)
      Then FusionAuth signed the browser in from its SSO cookie, without its login form (steps 24-25)
      And FusionAuth sent the browser back to the forums with a code and the state (step 25)
      When the browser follows FusionAuth's redirect to the forums (steps 26-29)
      Then the forums exchanged the code with FusionAuth server-side, once, with its client secret and the PKCE verifier (steps 27-28)
      And the forums keeps the JWT and the refresh token in HttpOnly cookies for its own host (step 29)
      And the browser's store cookies did not change (step 29)
      When the browser follows the redirect to the forum posts (steps 30-31)
      Then the browser sent the forums's login cookies (step 30)
      And the forums showed the forum posts of alice@example.com (step 31)

  @attack
  Rule: Attack vectors (informational: a backend that blocks them still conforms)

    Scenario: A stolen refresh token with a bad JWT
      Given alice@example.com has logged in to the store through FusionAuth
      And the hacker has copied the store's refresh token from the browser, with a bad JWT
      When the hacker opens the shopping cart (step 32)
      Then the report says whether the store refreshed the JWT for the hacker with the stolen refresh token (steps 33-34)
      And the report says whether the hacker got the shopping cart of alice@example.com and a new JWT with the stolen refresh token (step 35)

    Scenario: A stolen JWT
      Given alice@example.com has logged in to the store through FusionAuth
      And the hacker has copied the store's JWT from the browser
      When the hacker opens the shopping cart (step 36)
      Then the report says whether the hacker got the shopping cart of alice@example.com with the stolen cookies (step 37)
