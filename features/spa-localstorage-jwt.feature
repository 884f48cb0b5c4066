@workflow:spa-localstorage-jwt
Feature: Single-page app native login to FusionAuth, JWT in local storage, refresh token in a FusionAuth cookie
  The store's and the forums' single-page apps post the user's credentials straight to
  FusionAuth's Login API from the page. FusionAuth answers with the JWT, which the app keeps
  in local storage, and sets the refresh token as an HttpOnly cookie on its own host. The
  app calls its backend's JSON API with the JWT as a Bearer token; the API verifies the JWT
  itself. When the JWT expires the app refreshes it with the FusionAuth cookie; when the
  refresh token has expired too, the user logs in again. The forums' login clobbers the
  store's refresh-token cookie, since both live on the FusionAuth host.

  Two ways to run it: in HTTP mode (the default) the kit plays the app's JavaScript and
  checks the backend's half; with `--browser chromium` a real headless Chromium runs the
  app, and the checks on what the app's own JavaScript did are made too.

  Background:
    Given the store and the forums are running against the FusionAuth double
    And the password is never sent in a URL (step 5)
    And no JWT or refresh token is ever sent in a URL (step 8)

  Rule: Login and shopping cart

    Scenario: Log in through the store's app and load the shopping cart
      When the browser opens the store app (steps 1-2)
      Then the app finds no JWT in local storage and shows its login form (steps 3-4)
      When the user logs in through the app as alice@example.com (steps 5-6)
      Then the browser itself called the FusionAuth Login API with the store application id (step 5)
      And the browser holds FusionAuth's refresh token cookie, HttpOnly, for the FusionAuth host only (step 6)
      And the app moved the JWT to local storage (step 7)
      And the app keeps no refresh token in local storage (step 7)
      When the app loads the shopping cart with the JWT (step 8)
      Then the API returns the shopping cart of alice@example.com (step 9)

    Scenario Outline: The store's API verifies the JWT itself: <jwt>
      Given alice@example.com has logged in through the store app
      When the app calls the shopping cart API with <jwt> (step 8)
      Then the API answers 401 (step 9)

      Examples:
        | jwt                                 |
        | a JWT with a bad signature          |
        | an unsigned JWT                     |
        | a JWT for the forums application    |
        | an expired JWT                      |

    Scenario: The store's API does not share its answers with other origins
      Given alice@example.com has logged in through the store app
      When a page on another origin calls the shopping cart API with credentials (step 8)
      Then the API does not allow that origin to read the answer with credentials (step 9)

  Rule: Each browser gets its own user's data, and a failed login stores nothing

    Scenario: Two users log in through the store app in two browsers, interleaved
      Given alice@example.com has logged in through the store app in one browser
      And bob@example.com has logged in through the store app in another browser
      When the app in the browser of alice@example.com loads the shopping cart again (steps 8-9)
      Then the API answered with the shopping cart of alice@example.com, not of bob@example.com (step 9)
      When the app in the browser of bob@example.com loads the shopping cart again (steps 8-9)
      Then the API answered with the shopping cart of bob@example.com, not of alice@example.com (step 9)
      Given the JWT in the local storage of alice@example.com has expired
      When the app in the browser of alice@example.com loads the shopping cart again (steps 10-14)
      Then after the refresh, the API answered with the shopping cart of alice@example.com, not of bob@example.com (step 14)
      When a page without a JWT calls the shopping cart API with the JWT of alice@example.com in the query string (step 8)
      Then the API did not answer with the shopping cart of alice@example.com (step 9)

    @variant-independent
    Scenario Outline: A failed login stores nothing: <user> with <password> (FusionAuth answers <status>)
      When the user tries to log in through the store app as <user> with <password>, which FusionAuth answers <status> (steps 1-6)
      Then the app keeps no token (step 7)
      And the app shows its login form again with an error (step 4)

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

  Rule: The JWT expires and is refreshed with the FusionAuth cookie

    Scenario: An expired JWT is refreshed
      Given alice@example.com has logged in through the store app
      And the JWT in local storage has expired
      When the app loads the shopping cart again (steps 10-13)
      Then the browser called the FusionAuth refresh API with the refresh token cookie (steps 10-11)
      And the app moved the new JWT to local storage (step 12)
      And the API returns the shopping cart of alice@example.com (steps 13-14)

  Rule: The refresh token expires and the user logs in again

    Scenario Outline: An expired refresh token sends the user back to the login form (FusionAuth answers <status>)
      Given the FusionAuth double answers <status> for an expired refresh token
      And alice@example.com has logged in through the store app
      And the JWT in local storage has expired
      And the refresh token cookie has expired
      When the app loads the shopping cart again (step 15)
      Then the browser called the FusionAuth refresh API and got <status> (steps 15-16)
      And the app shows its login form again (step 17)
      When the user logs in through the app as alice@example.com (step 17)
      And the app loads the shopping cart with the JWT (step 17)
      Then the API returns the shopping cart of alice@example.com (step 17)

      Examples:
        | status |
        | 400    |
        | 404    |

  Rule: The forums have their own login (no SSO)

    Scenario: Log in through the forums' app after the store's
      Given alice@example.com has logged in through the store app
      When the browser opens the forums app (steps 18-19)
      Then the browser sent no cookies to the forums (step 18)
      And the app finds no JWT in local storage and shows its login form (steps 20-21)
      When the user logs in through the app as alice@example.com (steps 22-23)
      Then the browser itself called the FusionAuth Login API with the forums application id (step 22)
      And the report says whether the browser sent the store's refresh token cookie to FusionAuth (step 22)
      And the report says whether the forums' refresh token cookie replaced the store's (steps 23-24)
      And the app moved the JWT to local storage (step 25)
      When the app loads the forum posts with the JWT (step 26)
      Then the API returns the forum posts of alice@example.com (step 27)

  @attack
  Rule: Attack vectors (informational: a backend that blocks them still conforms)

    Scenario: A stolen refresh token
      Given alice@example.com has logged in through the store app
      And the hacker has stolen FusionAuth's refresh token cookie from the browser
      When the hacker calls the FusionAuth refresh API with the stolen cookie (steps 28-29)
      And the hacker calls the shopping cart API with the JWT FusionAuth gave them (step 30)
      Then the report says whether the hacker got a JWT and the shopping cart of alice@example.com (steps 29-31)

    Scenario: A stolen JWT
      Given alice@example.com has logged in through the store app
      And the hacker has stolen the JWT from local storage
      When the hacker calls the shopping cart API with the stolen JWT (step 32)
      Then the report says whether the hacker got the shopping cart of alice@example.com (step 33)
