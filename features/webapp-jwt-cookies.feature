@workflow:webapp-jwt-cookies
Feature: Webapp native login to the backend, with the JWT and the refresh token in HttpOnly cookies
  The store's and the forums' own login forms POST the user's credentials to their own
  backend. The backend calls FusionAuth's Login API, then keeps the JWT and the refresh
  token in HttpOnly cookies scoped to its own host. It verifies the JWT on every request,
  refreshes it when it has expired, and sends the user back to the login page when the
  refresh token has expired too. The store and the forums share no login (no SSO).

  Every step ends with the numbers of the arrows it exercises in
  diagrams/webapp-jwt-cookies.puml; `loginflow check-spec` proves they cover all 35.

  Background:
    Given the store and the forums are running against the FusionAuth double
    And the password is never sent in a URL (step 5)
    And no JWT, refresh token or session id is ever sent in a URL (step 8)

  Rule: Login and shopping cart

    Scenario: Log in to the store and load the shopping cart
      When the browser opens the store home page (steps 1-2)
      Then the page links to the login page (step 2)
      When the browser follows the login link (steps 3-4)
      Then the page has a login form with a login id and a password field (step 4)
      When the browser submits the login form as alice@example.com (steps 5-8)
      Then the store called the FusionAuth Login API with the credentials, its API key and its application id (steps 6-7)
      And the browser was redirected to the shopping cart (step 8)
      And the store set the JWT and the refresh token as HttpOnly cookies for its own host (step 8)
      And the store's cookies are Secure and SameSite (step 8)
      When the browser follows the redirect (steps 9-10)
      Then the browser sent the JWT and the refresh token cookies (step 9)
      And the shopping cart of alice@example.com is shown (step 10)

    Scenario Outline: The store verifies the JWT itself: <jwt>
      Given alice@example.com has logged in to the store
      When the browser loads the shopping cart with <jwt> and no refresh token (steps 9-10)
      Then the shopping cart is not shown (step 10)

      Examples:
        | jwt                                 |
        | a JWT with a bad signature          |
        | an unsigned JWT                     |
        | a JWT for the forums application    |
        | an expired JWT                      |

  Rule: Each browser is shown its own user's pages, and a failed login creates nothing

    Scenario: Two users log in to the store in two browsers, interleaved
      Given alice@example.com has logged in to the store in one browser
      And bob@example.com has logged in to the store in another browser
      When the browser of alice@example.com loads the shopping cart again (steps 9-10)
      Then the shopping cart is that of alice@example.com, not of bob@example.com (step 10)
      When the browser of bob@example.com loads the shopping cart again (steps 9-10)
      Then the shopping cart is that of bob@example.com, not of alice@example.com (step 10)
      Given the JWT in the browser of alice@example.com has expired
      When the browser of alice@example.com loads the shopping cart again (steps 11-14)
      Then after the refresh, the shopping cart is that of alice@example.com, not of bob@example.com (step 14)
      When a browser without cookies asks for the shopping cart with the credential of alice@example.com in the query string (steps 9-10)
      Then the shopping cart of alice@example.com was not shown to it (step 10)

    @variant-independent
    Scenario Outline: A failed login creates nothing: <user> with <password> (FusionAuth answers <status>)
      When the browser submits the store login form as <user> with <password>, which FusionAuth answers <status> (steps 5-8)
      Then the store set no JWT, refresh token or session cookie (step 8)
      And the store answered with its login page and an error, not a server error (step 8)
      And loading the shopping cart afterwards does not show it (step 10)

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

  Rule: The JWT expires and is refreshed

    Scenario Outline: An expired JWT is refreshed with the refresh token (<policy> refresh tokens)
      Given the FusionAuth double uses <policy> refresh tokens
      And alice@example.com has logged in to the store
      And the JWT in the browser has expired
      When the browser loads the shopping cart (step 11)
      Then the store called the FusionAuth refresh API with the refresh token (steps 12-13)
      And the shopping cart of alice@example.com is shown (step 14)
      And the store replaced the JWT cookie with the new HttpOnly JWT (step 14)
      And the browser holds the refresh token FusionAuth issued last (step 14)

      Examples:
        | policy     |
        | Reusable   |
        | OneTimeUse |

  Rule: The refresh token expires and the user logs in again

    Scenario Outline: An expired refresh token sends the user back to the login page (FusionAuth answers <status>)
      Given the FusionAuth double answers <status> for an expired refresh token
      And alice@example.com has logged in to the store
      And the JWT in the browser has expired
      And the refresh token in the browser has expired
      When the browser loads the shopping cart (step 15)
      Then the store called the FusionAuth refresh API and got <status> (steps 16-17)
      And the browser was redirected to the login page (step 18)
      When the browser logs in to the store again as alice@example.com (step 19)
      Then the shopping cart of alice@example.com is shown (step 19)

      Examples:
        | status |
        | 400    |
        | 404    |

  Rule: The forums have their own login (no SSO)

    Scenario: Log in to the forums after the store
      Given alice@example.com has logged in to the store
      When the browser opens the forums home page (steps 20-21)
      Then the browser sent no cookies to the forums (step 20)
      And the page links to the login page (step 21)
      When the browser follows the login link (steps 22-23)
      Then the page has a login form with a login id and a password field (step 23)
      When the browser submits the login form as alice@example.com (steps 24-27)
      Then the forums called the FusionAuth Login API with the credentials, its API key and its application id (steps 25-26)
      And the browser was redirected to the forum posts (step 27)
      And the forums set the JWT and the refresh token as HttpOnly cookies for its own host (step 27)
      And the store's cookies did not change (step 27)
      When the browser follows the redirect (steps 28-29)
      Then the browser sent the JWT and the refresh token cookies (step 28)
      And the forum posts of alice@example.com are shown (step 29)

  @attack
  Rule: Attack vectors (informational: a backend that blocks them still conforms)

    Scenario: A stolen refresh token
      Given alice@example.com has logged in to the store
      And the hacker has stolen the refresh token cookie from the browser
      When the hacker loads the shopping cart with a bad JWT (step 30)
      Then the report says whether the store refreshed the JWT for the hacker (steps 31-32)
      And the report says whether the hacker got the shopping cart of alice@example.com and a new JWT (step 33)

    Scenario: A stolen JWT
      Given alice@example.com has logged in to the store
      And the hacker has stolen the JWT cookie from the browser
      When the hacker loads the shopping cart (step 34)
      Then the report says whether the hacker got the shopping cart of alice@example.com (step 35)
