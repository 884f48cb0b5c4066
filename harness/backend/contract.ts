/**
 * The environment contract: what every started backend process is handed.
 *
 * | Variable                     | Meaning                                                                                   |
 * |------------------------------|-------------------------------------------------------------------------------------------|
 * | `FUSIONAUTH_URL`             | Base URL of FusionAuth (the kit's double), e.g. `http://127.0.0.1:9011`; no trailing `/`. |
 * | `FUSIONAUTH_API_KEY`         | API key for FusionAuth's REST API (`Authorization: <key>`).                               |
 * | `FUSIONAUTH_APPLICATION_ID`  | The OAuth `client_id` of the application the backend logs users into.                     |
 * | `FUSIONAUTH_CLIENT_SECRET`   | The OAuth client secret for that application (token endpoint client authentication).      |
 * | `FUSIONAUTH_JWT_HMAC_SECRET` | The HMAC secret access tokens are signed with when the double signs HS256.                |
 * | `FUSIONAUTH_ISSUER`          | The expected `iss` claim of access and id tokens.                                         |
 * | `FUSIONAUTH_REFRESH_ENDPOINT`| In a run of the `refreshEndpoint` variant, `/api/jwt/refresh` or `/oauth2/token`: the    |
 * |                              | refresh API the backend should call in this run. Empty otherwise (the backend's choice).  |
 * | `FUSIONAUTH_PUBLIC_URL`      | The URL the *browser* reaches FusionAuth at (`http://auth.example.test`), for SPAs that    |
 * |                              | call FusionAuth from the page; a backend uses `FUSIONAUTH_URL`.                           |
 * | `PORT`                       | The loopback port the backend MUST listen on (chosen free by the kit).                    |
 * | `HOST`                       | The address to bind: always `127.0.0.1`.                                                  |
 * | `PUBLIC_HOST`                | The logical host name the browser uses for this backend (e.g. `store.example.test`); use   |
 * |                              | it for cookie domains and redirect URIs, never to bind.                                   |
 * | `SESSION_TTL_SECONDS`        | Lifetime of the backend's own session, in seconds: 1800 when the kit moves the backend's   |
 * |                              | wall clock (libfaketime), else short (1) since the kit must wait it out. Read the wall clock.|
 *
 * The kit also sets each `envMap` alias (the app's own name for a contract variable, e.g.
 * `FA_BASE` = value of `FUSIONAUTH_URL`) and then the target's own `env`, whose values may
 * refer to any of the above as `${NAME}`. Contract variables inherited from the kit's own
 * environment are removed first, so a backend never sees a stale value.
 */
export const CONTRACT_ENV_NAMES = [
  'FUSIONAUTH_URL',
  'FUSIONAUTH_API_KEY',
  'FUSIONAUTH_APPLICATION_ID',
  'FUSIONAUTH_CLIENT_SECRET',
  'FUSIONAUTH_JWT_HMAC_SECRET',
  'FUSIONAUTH_ISSUER',
  'FUSIONAUTH_PUBLIC_URL',
  'FUSIONAUTH_REFRESH_ENDPOINT',
  'PORT',
  'HOST',
  'PUBLIC_HOST',
  'SESSION_TTL_SECONDS',
] as const;

export type ContractEnvName = (typeof CONTRACT_ENV_NAMES)[number];

/** One line per variable, for `--help` output and the README. */
export const CONTRACT_ENV_DOCS: Readonly<Record<ContractEnvName, string>> = Object.freeze({
  FUSIONAUTH_URL: 'Base URL of FusionAuth (the kit\'s double), e.g. http://127.0.0.1:9011; no trailing slash.',
  FUSIONAUTH_API_KEY: 'API key for FusionAuth\'s REST API (sent as the Authorization header).',
  FUSIONAUTH_APPLICATION_ID: 'The OAuth client_id of the application the backend logs users into.',
  FUSIONAUTH_CLIENT_SECRET: 'The OAuth client secret for that application.',
  FUSIONAUTH_JWT_HMAC_SECRET: 'The HMAC secret access tokens are signed with when the double signs HS256.',
  FUSIONAUTH_ISSUER: 'The expected iss claim of access and id tokens.',
  FUSIONAUTH_REFRESH_ENDPOINT: 'In a run of the refreshEndpoint variant, /api/jwt/refresh or /oauth2/token: the refresh API to call in this run; empty otherwise (the backend chooses).',
  FUSIONAUTH_PUBLIC_URL: 'The URL the browser reaches FusionAuth at (e.g. http://auth.example.test), for single-page apps that call FusionAuth from the page.',
  PORT: 'The loopback port the backend must listen on (chosen free by the kit).',
  HOST: 'The address to bind: always 127.0.0.1.',
  PUBLIC_HOST: 'The logical host name the browser uses for this backend (e.g. store.example.test); for cookies and redirect URIs, never to bind.',
  SESSION_TTL_SECONDS: 'Lifetime of the backend\'s own session in seconds: 1800 on the world clock (the kit moves the backend\'s wall clock), 1 on the real clock. Expire sessions on the wall clock.',
});

export const BIND_HOST = '127.0.0.1';
