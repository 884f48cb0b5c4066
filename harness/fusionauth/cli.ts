import fs from 'node:fs';
import { command, parseCommand } from '../cli/command-line';
import { Journal, type Exchange } from '../trace';
import { FusionAuthDouble, type DoubleOptions } from './double';
import { expectedLoginStatus } from './directory';
import { doubleOptionsFrom, fusionauthSectionOf } from './config-section';
import { VARIANTS, type VariantName } from '../backend/variants';

/** Whether a flag's value is one of the variant's (harness/backend/variants VARIANTS, the one list). */
function oneOf<K extends VariantName>(name: K, value: unknown): value is (typeof VARIANTS)[K]['values'][number] {
  return (VARIANTS[name].values as readonly unknown[]).includes(value);
}
import { codeOf, describeError, LoginflowError } from '../errors';

export const FUSIONAUTH = command({
  name: 'fusionauth',
  about:
    'Runs the FusionAuth double on 127.0.0.1 until SIGINT/SIGTERM. --config is the run config\n' +
    '(loginflow.json): its "fusionauth" section (signing, refreshFailureStatus, refreshTokenPolicy,\n' +
    'requireApiKey, issuer, jwtTtlSeconds, refreshTokenTtlSeconds, authorizationCodeTtlSeconds,\n' +
    'oauthSessionTtlSeconds, publicHost, directory, port) is used, unknown keys are errors; a file\n' +
    'holding only that section works too. Flags override it.',
  options: {
    port: { type: 'string', value: 'PORT', help: 'where it listens (default: the config\'s, else 9011)' },
    config: { type: 'string', value: 'FILE', help: 'a run config or its "fusionauth" section' },
    signing: { type: 'string', value: 'HS256|RS256', help: 'how the JWTs are signed' },
    'refresh-failure-status': { type: 'string', value: '400|404', help: 'the answer to an expired refresh token on /api/jwt/refresh' },
    'refresh-token-policy': { type: 'string', value: 'Reusable|OneTimeUse', help: 'whether a refresh token survives its use' },
    'no-require-api-key': { type: 'boolean', help: 'answer the Login API without an API key (a browser calling it, as an SPA does)' },
  },
});

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the double should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
  /** Called once the double is listening (tests use it). */
  onReady?: (info: { url: string; double: FusionAuthDouble }) => void;
}

export async function main(argv: string[], io: CliIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  let values;
  try {
    values = parseCommand(FUSIONAUTH, argv, io.out);
  } catch (err) {
    if (!(err instanceof LoginflowError)) throw err;
    io.err(`loginflow fusionauth: ${describeError(err)}`);
    return 2;
  }
  if (!values) return 0;
  const opts: DoubleOptions & { port?: number } = {};
  if (typeof values.config === 'string') {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(values.config, 'utf8'));
    } catch (err) {
      io.err(`loginflow fusionauth: error [${(err as NodeJS.ErrnoException).code ? 'CONFIG_NOT_FOUND' : 'CONFIG_INVALID'}] cannot read --config ${values.config}: ${(err as Error).message}`);
      return 2;
    }
    try {
      Object.assign(opts, doubleOptionsFrom(fusionauthSectionOf(raw, values.config)));
    } catch (err) {
      io.err(`loginflow fusionauth: config error [${codeOf(err)}]:\n${(err as Error).message}`);
      return 2;
    }
  }
  const { port: configPort, ...doubleOpts } = opts;
  const port = Number(values.port ?? configPort ?? 9011);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return usageError(io, `--port must be a port number, got ${values.port}`);
  if (values.signing !== undefined) {
    if (!oneOf('signing', values.signing)) return usageError(io, `--signing must be ${VARIANTS.signing.values.join(' or ')}`);
    doubleOpts.signing = values.signing;
  }
  const rfs = values['refresh-failure-status'];
  if (rfs !== undefined) {
    if (!oneOf('refreshFailureStatus', Number(rfs))) return usageError(io, `--refresh-failure-status must be ${VARIANTS.refreshFailureStatus.values.join(' or ')}`);
    doubleOpts.refreshFailureStatus = Number(rfs) as 400 | 404;
  }
  const rtp = values['refresh-token-policy'];
  if (rtp !== undefined) {
    if (!oneOf('refreshTokenPolicy', rtp)) return usageError(io, `--refresh-token-policy must be ${VARIANTS.refreshTokenPolicy.values.join(' or ')}`);
    doubleOpts.refreshTokenPolicy = rtp;
  }
  // For a browser (an SPA) calling this double without an API key, as the spa workflow's does.
  if (values['no-require-api-key']) doubleOpts.requireApiKey = false;

  const journal = new Journal();
  const double = await FusionAuthDouble.start({ ...doubleOpts, journal });
  let relay;
  try {
    relay = await double.relay('client', port);
  } catch (err) {
    await double.close();
    const code = (err as NodeJS.ErrnoException).code;
    io.err(code === 'EADDRINUSE' ? `loginflow fusionauth: error [PORT_IN_USE] port ${port} is already in use on 127.0.0.1; pick another with --port` : `loginflow fusionauth: error [PORT_IN_USE] cannot listen on ${port}: ${(err as Error).message}`);
    return 2;
  }

  const d = double.directory;
  const o = double.options;
  const lines = [
    `FusionAuth double listening on ${relay.url}  (standing in for ${o.publicHost})`,
    `  signing ${o.signing} (kid ${double.verificationKey().kid}), issuer ${o.issuer}, JWT TTL ${o.jwtTtlSeconds}s, refresh token policy ${o.refreshTokenPolicy}, refresh failure status ${o.refreshFailureStatus}, API key ${o.requireApiKey ? 'required' : 'not required'} with applicationId`,
    `  API key        ${d.apiKey}`,
    `  HMAC secret    ${d.hmacSecret}   (FUSIONAUTH_JWT_HMAC_SECRET)`,
    `  tenant id      ${d.tenantId}`,
    ...Object.entries(d.applications).map(([k, a]) => `  application    ${k.padEnd(8)} id ${a.id}  client secret ${a.clientSecret}`),
    `  JWKS           ${relay.url}/.well-known/jwks.json`,
    `  OAuth          ${relay.url}/oauth2/authorize (hosted login form; "Keep me signed in" sets fusionauth.sso), /oauth2/token, /oauth2/userinfo, /oauth2/logout, /.well-known/openid-configuration`,
    ...Object.entries(d.applications).map(([k, a]) => `  redirect URLs  ${k.padEnd(8)} ${(a.redirectUris ?? []).join(' ') || '(none: /oauth2/authorize refuses every redirect_uri)'}`),
    `  users (login with applicationId of store):`,
    ...d.users.map((u) => `    ${u.email.padEnd(36)} ${u.password.padEnd(10)} → ${expectedLoginStatus(u, 'store', d)}${u.note ? `  ${u.note.replace(/^\d{3},?\s*/, '')}` : ''}`),
    `    (unknown loginId or wrong password → 404)`,
    `Ctrl-C to stop.`,
  ];
  for (const l of lines) io.out(l);

  journal.on('exchange', (ex: Exchange) => {
    const r = double.redactor.exchange(ex);
    const body = r.request.body ? ` ${oneLine(r.request.body, 160)}` : '';
    const resBody = r.response?.body ? ` ${oneLine(r.response.body, 160)}` : '';
    io.out(`${new Date(ex.at).toISOString()} ${ex.from} → FusionAuth ${r.request.method} ${r.request.path}${body} ⇒ ${r.response?.status ?? 'ERR'}${resBody}${ex.unexpected ? '  (unexpected: no such endpoint in the double)' : ''}`);
  });
  io.onReady?.({ url: relay.url, double });

  const until =
    io.until ??
    new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  await until;
  await double.close();
  io.out('FusionAuth double stopped.');
  return 0;
}

function usageError(io: CliIo, msg: string): number {
  io.err(`loginflow fusionauth: error [INPUT_INVALID] ${msg}; see loginflow fusionauth --help`);
  return 2;
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max)}…` : t;
}
