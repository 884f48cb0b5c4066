@workflow:webapp-sessions
Feature: Webapp native login to the backend, with a server-side session
  The store's and the forums' own login forms POST the user's credentials to their own
  backend. The backend calls FusionAuth's Login API, keeps the user (or the JWT) in a
  server-side session and hands the browser only the session id, in an HttpOnly cookie
  scoped to its own host. Each use of the session extends it (sliding expiry); an idle
  session expires and sends the user back to the login page. The store and the forums
  share no login (no SSO).

  Every step ends with the numbers of the arrows it exercises in
  diagrams/webapp-sessions.puml; `loginflow check-spec` proves they cover all 30. On the
  world clock the backend keeps a realistic session TTL (SESSION_TTL_SECONDS, 1800 s) and the
  kit moves the clock past it; only on the real clock is the TTL short and waited out.

  Background:
    Given the store and the forums are running against the FusionAuth double
    And the password is never sent in a URL (step 5)
    And no JWT, refresh token or session id is ever sent in a URL (step 9)

  Rule: Login and shopping cart

    Scenario: Log in to the store and load the shopping cart
      When the browser opens the store home page (steps 1-2)
      Then the page links to the login page (step 2)
      When the browser follows the login link (steps 3-4)
      Then the page has a login form with a login id and a password field (step 4)
      When the browser submits the login form as alice@example.com (steps 5-9)
      Then the store called the FusionAuth Login API with the credentials, its API key and its application id (steps 6-7)
      And the browser was redirected to the shopping cart (step 9)
      And the store created a session and set only its id, as an HttpOnly cookie for its own host (steps 8-9)
      And no cookie holds the JWT or the refresh token FusionAuth issued (step 9)
      And the store's cookies are Secure and SameSite (step 9)
      When the browser follows the redirect (steps 10-12)
      Then the browser sent the session cookie (step 10)
      And the shopping cart of alice@example.com is shown (step 12)

    Scenario: A new session id is issued at every login
      Given alice@example.com has logged in to the store
      When the browser logs in to the store again as alice@example.com (steps 5-9)
      Then the store issued a new session id, not the one the browser held (step 8)

    Scenario: Session ids cannot be guessed
      When the browser logs in to the store 6 times as alice@example.com (steps 5-9)
      Then the session ids carry at least 128 bits of entropy (step 8)

  Rule: Each browser is shown its own user's pages, and a failed login creates nothing

    Scenario: Two users log in to the store in two browsers, interleaved
      Given alice@example.com has logged in to the store in one browser
      And bob@example.com has logged in to the store in another browser
      When the browser of alice@example.com loads the shopping cart again (steps 10-12)
      Then the shopping cart is that of alice@example.com, not of bob@example.com (step 12)
      When the browser of bob@example.com loads the shopping cart again (steps 10-12)
      Then the shopping cart is that of bob@example.com, not of alice@example.com (step 12)
      When a browser without cookies asks for the shopping cart with the credential of alice@example.com in the query string (steps 10-12)
      Then the shopping cart of alice@example.com was not shown to it (step 12)

    @variant-independent
    Scenario Outline: A failed login creates nothing: <user> with <password> (FusionAuth answers <status>)
      When the browser submits the store login form as <user> with <password>, which FusionAuth answers <status> (steps 5-9)
      Then the store set no JWT, refresh token or session cookie (step 9)
      And the store answered with its login page and an error, not a server error (step 9)
      And loading the shopping cart afterwards does not show it (step 12)

      Examples:
        | user                               | password         | status |
        | notregistered@example.com          | the password     | 202    |
        | changepassword@example.com         | the password     | 203    |
        | unverified@example.com             | the password     | 212    |
        | unverifiedregistration@example.com | the password     | 213    |
        | twofactor@example.com              | the password     | 242    |
        | actionprevented@example.com        | the password     | 409    |
        | expired@example.com                | the password     | 410    |
        | locked@example.com                 | the password     | 423    |
        | alice@example.com                  | a wrong password | 404    |
        | nobody@example.com                 | the password     | 404    |
        | alice@example.com                  | a blank password | 400    |

  Rule: The session slides while it is used and expires when idle

    Scenario: Requests spaced under the TTL keep the session alive past the TTL
      Given alice@example.com has logged in to the store
      When the browser keeps loading the shopping cart, each time within the session TTL, until more than the TTL has passed since login (steps 10-12)
      Then the session was extended at each use: every load showed the shopping cart of alice@example.com (steps 11-12)

    Scenario: An idle session expires and the user logs in again
      Given alice@example.com has logged in to the store
      And the browser has stayed idle for longer than the session TTL
      When the browser loads the shopping cart (step 13)
      Then the browser was redirected to the login page (step 14)
      When the browser logs in to the store again as alice@example.com (step 15)
      Then the shopping cart of alice@example.com is shown (step 15)

  Rule: The forums have their own login (no SSO)

    Scenario: Log in to the forums after the store
      Given alice@example.com has logged in to the store
      When the browser opens the forums home page (steps 16-17)
      Then the browser sent no cookies to the forums (step 16)
      And the page links to the login page (step 17)
      When the browser follows the login link (steps 18-19)
      Then the page has a login form with a login id and a password field (step 19)
      When the browser submits the login form as alice@example.com (steps 20-24)
      Then the forums called the FusionAuth Login API with the credentials, its API key and its application id (steps 21-22)
      And the browser was redirected to the forum posts (step 24)
      And the forums created a session and set only its id, as an HttpOnly cookie for its own host (steps 23-24)
      And no cookie holds the JWT or the refresh token FusionAuth issued (step 24)
      And the store's cookies did not change (step 24)
      When the browser follows the redirect (steps 25-27)
      Then the browser sent the session cookie (step 25)
      And the forum posts of alice@example.com are shown (steps 26-27)

  @attack
  Rule: Attack vectors (informational: a backend that blocks them still conforms)

    Scenario: A stolen session id
      Given alice@example.com has logged in to the store
      And the hacker has stolen the session cookie from the browser
      When the hacker loads the shopping cart (step 28)
      Then the report says whether the hacker got the shopping cart of alice@example.com (steps 29-30)
