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
  const o = evalRefresh({ jwt: { value: 'eyJ.x.y', genuine: true, exp: now / 1000 + 600 } });
  assert.equal(o.ok, false);
  assert.match(o.actual, /valid for another 600 s/);
  assert.deepEqual(o.evidence.map((e) => e.seq), [refresh.seq, trigger.seq], 'the refresh call is the evidence, first');
});

test('refresh-only-expired: an expired, missing or forged JWT justifies the refresh', () => {
  assert.equal(evalRefresh({ jwt: { value: 'eyJ.x.y', genuine: true, exp: now / 1000 - 5 } }).ok, true);
  assert.equal(evalRefresh({ jwt: undefined }).ok, true);
  assert.equal(evalRefresh({ jwt: { value: 'eyJ.x.y', genuine: false, exp: now / 1000 + 600 } }).ok, true);
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
