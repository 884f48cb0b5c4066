@workflow:webapp-oauth-code-sessions @ids:WOS
Feature: Webapp OAuth login with the authorization code grant, with server-side sessions
  The store's and the forums' login links send the browser to FusionAuth's hosted login page
  (GET /oauth2/authorize). FusionAuth signs the user in, keeps its own SSO session in the
  fusionauth.sso cookie ("Keep me signed in") and sends the browser back to the app's redirect
  URI with a single-use code. The app's backend exchanges the code at FusionAuth's token
  endpoint, server to server, with its client secret and its PKCE verifier, verifies the
  id_token, keeps the user in a server-side session and hands the browser only the session id,
  in an HttpOnly cookie for its own host. The forums then log in without a password while
  FusionAuth's session lives (single sign-on), each app with its own session.

  Every step ends with the numbers of the arrows it exercises in
  diagrams/webapp-oauth-code-sessions.puml; `loginflow check-spec` proves they cover all 32.
  The scenarios beyond the diagram (login CSRF, a state from another browser, a tampered
  id_token, two users) are what a reviewer of an OAuth client checks.

  Background:
    Given the store and the forums are running against the FusionAuth double
    And the password is never sent in a URL (step 5)
    And no JWT, refresh token or session id is ever sent in a URL (step 11)

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
      When the browser follows FusionAuth's redirect to the store (steps 7-11)
      Then the store exchanged the code with FusionAuth server-side, once, with its client secret and the PKCE verifier (steps 8-9)
      And the store set only a session id, as an HttpOnly cookie for its own host (steps 10-11)
      And none of the tokens FusionAuth issued reached the browser (step 11)
      And the browser was sent on to the shopping cart (step 11)
      When the browser follows the redirect to the shopping cart (steps 12-14)
      Then the browser sent the store's login cookies (steps 12-13)
      And the store showed the shopping cart of alice@example.com (step 14)

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
      When the browser logs in to the store through FusionAuth as alice@example.com (steps 3-11)
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
      When the browser of alice@example.com opens the shopping cart again (steps 12-14)
      Then it shows the shopping cart of alice@example.com, not of bob@example.com (step 14)
      When the browser of bob@example.com opens the shopping cart again (steps 12-14)
      Then it shows the shopping cart of bob@example.com, not of alice@example.com (step 14)

  Rule: The session expires when idle, and the user logs in again

    Scenario: An idle session expires and the user logs in again
      Given alice@example.com has logged in to the store through FusionAuth
      And the store's session has been idle for longer than its TTL
      When the browser opens the shopping cart (step 15)
      Then the store sent the browser to its login (step 16)
      When the browser logs in to the store again through FusionAuth (step 17)
      Then the store showed the shopping cart of alice@example.com (step 17)

  Rule: Single sign-on to the forums through FusionAuth's session, each app with its own session

    Scenario: The forums log in without a password while FusionAuth's session lives
      Given alice@example.com has logged in to the store through FusionAuth
      When the browser visits the forums home page (steps 18-19)
      Then the browser sent none of the store's cookies to the forums (step 18)
      And the home page links to the login (step 19)
      When the browser clicks the login link and is sent to FusionAuth (steps 20-21)
      Then FusionAuth signed the browser in from its SSO cookie, without its login form (steps 20-21)
      And FusionAuth sent the browser back to the forums with a code and the state (step 21)
      When the browser follows FusionAuth's redirect to the forums (steps 22-26)
      Then the forums exchanged the code with FusionAuth server-side, once, with its client secret and the PKCE verifier (steps 23-24)
      And the forums set only a session id, as an HttpOnly cookie for its own host (steps 25-26)
      And the browser's store cookies did not change (step 26)
      When the browser follows the redirect to the forum posts (steps 27-29)
      Then the browser sent the forums's login cookies (steps 27-28)
      And the forums showed the forum posts of alice@example.com (step 29)

  @attack
  Rule: Attack vectors (informational: a backend that blocks them still conforms)

    Scenario: A stolen session id
      Given alice@example.com has logged in to the store through FusionAuth
      And the hacker has copied the store's login cookies from the browser
      When the hacker opens the shopping cart (step 30)
      Then the report says whether the hacker got the shopping cart of alice@example.com with the stolen cookies (steps 31-32)
