import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as checks from '../../harness/checks';
import { Verifier, dependsOn, ScenarioFailed } from '../../harness/checks';
import { Redactor, type Exchange } from '../../harness/trace';
import { parseDiagram } from '../../harness/spec/diagram';

/** The checks that give every exchange a verdict, and the Verifier's carry-on behaviour, on hand-built exchanges. */
let seq = 0;
function ex(from: string, to: string, method: string, path: string, at: number, o: { status?: number; headers?: Record<string, string>; body?: string } = {}): Exchange {
  return { seq: ++seq, at, durationMs: 5, from, to, steps: [], request: { method, host: 'h', path, headers: o.headers ?? {}, body: o.body }, response: { status: o.status ?? 200, headers: {} } };
}
const now = 1_700_000_000_000;
const refresh = ex('Store', 'FusionAuth', 'POST', '/api/jwt/refresh', now + 1);
const trigger = ex('Browser', 'Store', 'GET', '/shopping-cart', now);
const evalRefresh = (a: Partial<checks.RefreshNeedArgs>) => checks.refreshOnlyExpiredJwt.evaluate({ caller: 'Store', refresh, trigger, ...a });

test('refresh-only-expired: a refresh of a JWT still valid fails (SHOULD), naming both exchanges', () => {
  assert.equal(checks.refreshOnlyExpiredJwt.level, 'SHOULD');
  const o = evalRefresh({ jwt: { value: 'eyJ.x.y', signatureValid: true, aud: 'app-1', audience: 'app-1', exp: now / 1000 + 600 } });
  assert.equal(o.ok, false);
  assert.match(o.actual, /valid for another 600 s/);
  assert.deepEqual(o.evidence.map((e) => e.seq), [refresh.seq, trigger.seq], 'the refresh call is the evidence, first');
});

test('refresh-only-expired: an expired, missing or forged JWT justifies the refresh', () => {
  assert.equal(evalRefresh({ jwt: { value: 'eyJ.x.y', signatureValid: true, aud: 'app-1', audience: 'app-1', exp: now / 1000 - 5 } }).ok, true);
  assert.equal(evalRefresh({ jwt: undefined }).ok, true);
  assert.equal(evalRefresh({ jwt: { value: 'eyJ.x.y', signatureValid: false, audience: 'app-1', exp: now / 1000 + 600 } }).ok, true);
  // Signed by FusionAuth but for another application: not a login here, so refreshing is right.
  assert.equal(evalRefresh({ jwt: { value: 'eyJ.x.y', signatureValid: true, aud: 'other-app', audience: 'app-1', exp: now / 1000 + 600 } }).ok, true);
  assert.equal(evalRefresh({ jwt: { value: 'eyJ.x.y', signatureValid: true, aud: ['other-app', 'app-1'], audience: 'app-1', exp: now / 1000 + 600 } }).ok, false, 'an aud array naming the caller is for the caller');
});

test('refresh-only-expired: not applicable when no browser request was in flight', () => {
  const o = evalRefresh({ trigger: undefined });
  assert.ok(o.notApplicable);
  assert.deepEqual(o.evidence, [refresh]);
});

test('extra-fusionauth-call (INFO) names the endpoint; the diagram endpoints are read from its labels', () => {
  const d = parseDiagram('@startuml\nparticipant Store\nparticipant FusionAuth\nautonumber\nStore -> FusionAuth : POST /oauth2/token or POST /api/jwt/refresh\\n(Refresh Token)\nStore -> FusionAuth : POST /api/login\n@enduml\n');
  assert.deepEqual(checks.drawnEndpoints(d.arrows, 'Store').sort(), ['POST /api/jwt/refresh', 'POST /api/login', 'POST /oauth2/token']);
  assert.deepEqual(checks.drawnEndpoints(d.arrows, 'Browser'), []);
  const jwks = ex('Store', 'FusionAuth', 'GET', '/.well-known/jwks.json?x=1', now);
  assert.equal(checks.endpointOf(jwks), 'GET /.well-known/jwks.json');
  const o = checks.extraFusionAuthCall.evaluate({ caller: 'Store', exchange: jwks, endpoint: checks.endpointOf(jwks), drawn: ['POST /api/login'] });
  assert.equal(checks.extraFusionAuthCall.level, 'INFO');
  assert.match(o.actual, /Store called GET \/\.well-known\/jwks\.json on FusionAuth/);
  assert.deepEqual(o.evidence, [jwks]);
});

test('scenario-applies is only ever not applicable, with the reason', () => {
  const v = new Verifier({ workflow: 'w', prefix: 'W' });
  const r = v.notApplicable(checks.scenarioApplies, { needs: 'refreshFailureStatus=404' }, [], 'a 404 refresh failure is an /api/jwt/refresh behaviour');
  assert.equal(r.result, 'na');
  assert.equal(r.id, 'W.variant-applies', 'no step number: it is about the whole scenario');
  assert.equal(r.reason, 'a 404 refresh failure is an /api/jwt/refresh behaviour');
});

test('a failed MUST is recorded and the scenario goes on; dependants say "not checked: depends on X"', () => {
  const v = new Verifier({ workflow: 'w', prefix: 'W' });
  const set = v.verify(checks.tokenCookieSet, { app: 'store', host: 'h', role: 'JWT', cookie: undefined }, [8]);
  assert.equal(set.result, 'fail', 'no throw: recorded');
  const after = v.verifyAfter([set], checks.cookieIsHttpOnly, { app: 'store', host: 'h', role: 'JWT', cookie: undefined }, [8]);
  assert.equal(after.result, 'na');
  assert.equal(after.reason, dependsOn(set));
  assert.equal(after.reason, 'not checked: depends on W-8.cookie-set, which failed');
  assert.equal(v.failed('cookie-set'), set);
  assert.equal(v.failed('cookie-httponly'), undefined);
  assert.deepEqual(v.unexcusedFailures(), [set]);
  assert.match(new ScenarioFailed(v.unexcusedFailures()).message, /MUST check\(s\) failed in this scenario: W-8\.cookie-set/);
  // The expected-failures list excuses it: the scenario does not fail.
  const excused = new Verifier({ workflow: 'w', prefix: 'W', excused: () => true });
  excused.verify(checks.tokenCookieSet, { app: 'store', host: 'h', role: 'JWT' }, [8]);
  assert.deepEqual(excused.unexcusedFailures(), []);
  // A dependency that held does not stop its dependant.
  const held = v.verify(checks.tokenCookiesSent, { names: [] }, [9]);
  assert.equal(v.verifyAfter([held], checks.tokenCookiesSent, { names: [] }, [9]).result, 'pass');
  // The old behaviour on request.
  const strict = new Verifier({ workflow: 'w', prefix: 'W', stopOnFailure: true });
  assert.throws(() => strict.verify(checks.tokenCookieSet, { app: 'store', host: 'h', role: 'JWT' }, [8]), /W-8\.cookie-set MUST/);
});

test('what a check says is redacted like its evidence', () => {
  const r = new Redactor();
  r.addToken('session-secret-value-123');
  const v = new Verifier({ workflow: 'w', prefix: 'W', redactor: r });
  const check = checks.newSessionIdAtLogin;
  const out = v.verify({ ...check, evaluate: () => ({ ok: false, actual: 'sid=session-secret-value-123 was kept', evidence: [] }) }, { app: 'store', evidence: [] }, [8]);
  assert.ok(!out.actual.includes('session-secret-value-123'), out.actual);
});

test('new-session-id says "session fixation" when the id held after login is the one held before', () => {
  const same = checks.newSessionIdAtLogin.evaluate({ app: 'store', before: 'abc', after: 'abc', evidence: [] });
  assert.equal(same.ok, false);
  assert.match(same.actual, /^session fixation:/);
  assert.equal(checks.newSessionIdAtLogin.evaluate({ app: 'store', before: 'abc', after: 'def', evidence: [] }).ok, true);
  assert.match(checks.newSessionIdAtLogin.evaluate({ app: 'store', before: 'abc', evidence: [] }).actual, /holds no session cookie after the login/);
});

test('variant-applies: recorded only as not applicable, naming what the scenario needs', () => {
  const k = checks.scenarioApplies;
  assert.deepEqual([k.kind, k.name, k.level], ['variant-applies', 'scenarioAppliesToVariant', 'MUST']);
  const a = { needs: 'refreshFailureStatus=404' };
  assert.equal(k.ensures(a), 'the scenario runs where the variant in force has refreshFailureStatus=404');
  assert.deepEqual(k.evaluate(a), { ok: true, actual: 'not run: needs refreshFailureStatus=404', evidence: [], notApplicable: 'not run: needs refreshFailureStatus=404' });
});

test('refresh-only-expired: exact words, on the world clock, with the query left out', () => {
  const k = checks.refreshOnlyExpiredJwt;
  assert.deepEqual([k.kind, k.name], ['refresh-only-expired', 'refreshesOnlyAnExpiredJwt']);
  assert.equal(k.ensures({ caller: 'Forums', refresh }), "Forums calls FusionAuth's refresh API only when the JWT it was sent has expired (or is missing or invalid), not on a request whose JWT is still valid");
  const r = ex('Store', 'FusionAuth', 'POST', '/api/jwt/refresh?x=1', now + 1);
  const t = ex('Browser', 'Store', 'GET', '/shopping-cart?page=2', now);
  const s = now / 1000;
  const say = (a: Partial<checks.RefreshNeedArgs>) => {
    const o = k.evaluate({ caller: 'Store', refresh: r, trigger: t, ...a });
    return [o.ok, o.actual, o.evidence, o.notApplicable];
  };
  assert.deepEqual(say({ trigger: undefined }), [true, 'no browser request was in flight when Store called POST /api/jwt/refresh, so the JWT it acted on is unknown', [r], 'no browser request was in flight when Store called POST /api/jwt/refresh, so the JWT it acted on is unknown']);
  assert.deepEqual(say({}), [true, 'GET /shopping-cart carried no JWT, so Store refreshed (POST /api/jwt/refresh)', [r], undefined]);
  assert.deepEqual(say({ jwt: { value: 'v', signatureValid: false, audience: 'app-1', exp: s + 60 } }), [true, 'GET /shopping-cart carried a JWT that does not verify, so Store refreshed (POST /api/jwt/refresh)', [r], undefined]);
  assert.deepEqual(say({ jwt: { value: 'v', signatureValid: true, aud: 'app-1', audience: 'app-1', exp: s - 5 } }), [true, 'GET /shopping-cart carried a JWT that had expired 5 s before, so Store refreshed (POST /api/jwt/refresh)', [r], undefined]);
  assert.deepEqual(say({ jwt: { value: 'v', signatureValid: true, aud: 'app-1', audience: 'app-1', exp: s } }), [true, 'GET /shopping-cart carried a JWT that had expired 0 s before, so Store refreshed (POST /api/jwt/refresh)', [r], undefined], 'exp reached is expired');
  const load = 'a refresh on every request multiplies the load on FusionAuth and rotates tokens for nothing';
  assert.deepEqual(say({ jwt: { value: 'v', signatureValid: true, aud: 'app-1', audience: 'app-1', exp: s + 1 } }), [false, `Store called POST /api/jwt/refresh while serving GET /shopping-cart, whose JWT was valid for another 1 s: ${load}`, [r, t], undefined]);
  assert.deepEqual(say({ jwt: { value: 'v', signatureValid: true, aud: 'app-1', audience: 'app-1' } }), [false, `Store called POST /api/jwt/refresh while serving GET /shopping-cart, whose JWT was with no exp: ${load}`, [r, t], undefined]);
  // The world clock (faketime) is what the backend judged the JWT by, not the wall clock.
  const later = { ...t, worldAt: now + 120_000 };
  assert.equal(k.evaluate({ caller: 'Store', refresh: r, trigger: later, jwt: { value: 'v', signatureValid: true, aud: 'app-1', audience: 'app-1', exp: s + 60 } }).actual, 'GET /shopping-cart carried a JWT that had expired 60 s before, so Store refreshed (POST /api/jwt/refresh)');
  assert.equal(k.evaluate({ caller: 'Store', refresh: r, trigger: { ...t, at: now + 999 }, jwt: { value: 'v', signatureValid: true, aud: 'app-1', audience: 'app-1', exp: s } }).ok, true, 'seconds rounded down');
});

test('extra-fusionauth-call: exact words; drawnEndpoints reads every METHOD /path of the caller\'s arrows to FusionAuth only', () => {
  const k = checks.extraFusionAuthCall;
  assert.deepEqual([k.kind, k.name, k.level], ['extra-fusionauth-call', 'fusionAuthCallNotInDiagram', 'INFO']);
  const e = ex('Store', 'FusionAuth', 'GET', '/api/user', now);
  assert.equal(k.ensures({ caller: 'Store', exchange: e, endpoint: 'GET /api/user', drawn: ['POST /api/login', 'POST /api/jwt/refresh'] }), 'report every call Store makes to FusionAuth that the diagram does not draw (it draws: POST /api/login, POST /api/jwt/refresh)');
  assert.equal(k.ensures({ caller: 'Store', exchange: e, endpoint: 'GET /api/user', drawn: [] }), 'report every call Store makes to FusionAuth that the diagram does not draw (it draws: none)');
  assert.deepEqual(k.evaluate({ caller: 'Store', exchange: e, endpoint: 'GET /api/user', drawn: [] }), { ok: true, actual: 'Store called GET /api/user on FusionAuth (answered 200), a call the diagram does not draw', evidence: [e] });
  const broken: Exchange = { ...e, response: undefined, error: 'ECONNRESET' };
  assert.equal(k.evaluate({ caller: 'Store', exchange: broken, endpoint: 'GET /api/user', drawn: [] }).actual, 'Store called GET /api/user on FusionAuth (answered ECONNRESET), a call the diagram does not draw');
  const silent: Exchange = { ...e, response: undefined };
  assert.equal(k.evaluate({ caller: 'Store', exchange: silent, endpoint: 'GET /api/user', drawn: [] }).actual, 'Store called GET /api/user on FusionAuth (answered nothing), a call the diagram does not draw');
  const arrows = [
    { from: 'Store', to: 'FusionAuth', label: 'POST /api/login (loginId, password)\nGET /api/user-info or DELETE /api/jwt/refresh/x.y' },
    { from: 'Store', to: 'Browser', label: 'GET /not-fusionauth' },
    { from: 'Forums', to: 'FusionAuth', label: 'PUT /api/forums' },
    { from: 'Store', to: 'IdP', label: 'PATCH /other' },
    { from: 'Store', to: 'FusionAuth', label: 'post /lowercase is no method; HEAD /neither' },
  ];
  assert.deepEqual(checks.drawnEndpoints(arrows, 'Store'), ['POST /api/login', 'GET /api/user-info', 'DELETE /api/jwt/refresh/x.y']);
  assert.deepEqual(checks.drawnEndpoints(arrows, 'Store', 'IdP'), ['PATCH /other']);
  assert.deepEqual(checks.drawnEndpoints([{ from: 'S', to: 'FusionAuth', label: 'POST /a and POST /a' }], 'S'), ['POST /a'], 'each once');
  assert.deepEqual(checks.drawnEndpoints([{ from: 'S', to: 'FusionAuth', label: 'POST  /spaced' }], 'S'), ['POST /spaced'], 'any space between method and path');
  assert.equal(checks.endpointOf(ex('Store', 'FusionAuth', 'POST', '/oauth2/token?grant_type=x', now)), 'POST /oauth2/token');
});
