import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchArrows, observedEvents, renderObserved, renderStitched } from '../../harness/report/observed';
import { fingerprint } from '../../harness/trace';
import { diagram, ex, JWT, loginAndCart, PASSWORD, verdict } from './fixtures';

function lineWith(puml: string, ...parts: string[]): string {
  const line = puml.split('\n').find((l) => parts.every((p) => l.includes(p)));
  assert.ok(line, `a line with ${parts.join(' + ')} in\n${puml}`);
  return line;
}

test('exchanges are matched to the spec arrows of the steps they exercised; extra calls match none', () => {
  const { exchanges } = loginAndCart();
  const m = matchArrows(diagram, exchanges);
  const by = (path: string) => m.find((x) => x.exchange.request.path === path)!;
  assert.deepEqual([by('/login').request?.n, by('/login').response?.n], [1, 4]);
  assert.deepEqual([by('/api/login').request?.n, by('/api/login').response?.n], [2, 3]);
  assert.deepEqual([by('/cart').request?.n, by('/cart').response?.n], [5, 8]);
  assert.deepEqual([by('/favicon.ico').request, by('/favicon.ico').response], [undefined, undefined]);
});

test('arrows are drawn in wire order, numbered with the spec step, with the spec\'s () and [] notation', () => {
  const { exchanges, verdicts } = loginAndCart();
  const puml = renderObserved({ diagram, scenario: 'Log in and load the cart', exchanges, verdicts });
  assert.match(puml, /^@startuml\n/);
  assert.match(puml, /@enduml\n$/);
  assert.match(puml, /title t: Log in and load the cart \(observed\)/);
  for (const p of ['Browser', 'Store', 'FusionAuth']) assert.match(puml, new RegExp(`^participant ${p}$`, 'm'));
  const lines = puml.split('\n');
  const at = (s: string) => lines.findIndex((l) => l.includes(s));
  // The backend's call to FusionAuth is drawn inside the browser's POST that caused it.
  assert.ok(at('<b>1</b> POST /login') < at('<b>2</b> POST /api/login'));
  assert.ok(at('<b>2</b> POST /api/login') < at('<b>3</b> 200'));
  assert.ok(at('<b>3</b> 200') < at('<b>4</b> 302'));
  assert.ok(at('== Login ==') < at('<b>1</b>') && at('== Cart ==') > at('<b>4</b>'));
  lineWith(puml, 'Browser -> Store : <b>1</b> POST /login', '(email, password)');
  lineWith(puml, 'Store', 'FusionAuth', '(loginId, password, applicationId)');
  // Cookies sent and set, in [] with the value only as a fingerprint.
  // The fixture JWT's fingerprint, computed outside the kit: printf %s JWT | sha256sum.
  lineWith(puml, '<b>5</b> GET /cart', '[app_jwt=eyJhbG…#12262a]');
  lineWith(puml, '<b>4</b> 302 Location: /cart', '[app_jwt=eyJhbG…#12262a HttpOnly SameSite=Lax]');
  lineWith(puml, '<b>8</b> 401', '(HTML: Log in again)');
});

test('a passed step is green with its checks; a failed MUST is red with a red note naming the check id and reason', () => {
  const { exchanges, verdicts } = loginAndCart();
  const puml = renderObserved({ diagram, scenario: 's', exchanges, verdicts });
  const passed = lineWith(puml, '<b>2</b> POST /api/login');
  assert.match(passed, /^Store -\[#2E7D32\]> FusionAuth/);
  assert.match(passed, /<color:#2E7D32>✓ login-called<\/color>/);
  // Step 4's MUST passed but its SHOULD failed: orange, the passed check still listed.
  const mixed = lineWith(puml, '<b>4</b> 302');
  assert.match(mixed, /^Store -\[#E65100\]-> Browser/);
  assert.match(mixed, /✓ cookie-httponly/);
  // A step nobody checked keeps the default colour.
  assert.match(lineWith(puml, '<b>1</b> POST /login'), /^Browser -> Store/);
  const failed = lineWith(puml, '<b>8</b> 401');
  assert.match(failed, /^Store -\[#D50000,bold\]-> Browser/);
  const lines = puml.split('\n');
  const i = lines.indexOf(failed);
  assert.match(lines[i + 1], /^note right of Browser #FFCDD2$/);
  assert.match(lines[i + 2], /T-8\.page-shown<\/b> MUST FAILED/);
  assert.match(lines[i + 3], /expected: the cart answers 200/);
  assert.match(lines[i + 4], /actual: 401/);
  assert.equal(lines[i + 5], 'end note');
  // A failed SHOULD is orange, not red.
  assert.match(puml, /note right of Browser #FFE0B2\n✗ <b>T-4\.cookie-secure<\/b> SHOULD FAILED/);
});

test('an INFO outcome is blue with a blue note saying whether the attack worked', () => {
  const { exchanges, verdicts } = loginAndCart();
  const puml = renderObserved({ diagram, scenario: 's', exchanges, verdicts });
  assert.match(lineWith(puml, '<b>5</b> GET /cart'), /^Browser -\[#1565C0\]> Store/);
  assert.match(puml, /note right of Store #DDEEFF\ni <b>T-5\.attack-page<\/b> INFO WORKED\nthe stolen JWT opened the cart\nend note/);
  const blocked = renderObserved({ diagram, scenario: 's', exchanges, verdicts: [{ ...verdicts.find((v) => v.level === 'INFO')!, ok: false, actual: 'refused' }] });
  assert.match(blocked, /INFO BLOCKED\nrefused/);
});

test('an extra call is grey and marked as not in the spec; spec arrows never observed are listed as missing', () => {
  const { exchanges, verdicts } = loginAndCart();
  const puml = renderObserved({ diagram, scenario: 's', exchanges, verdicts });
  const extra = lineWith(puml, 'GET /favicon.ico');
  assert.match(extra, /^Browser -\[#999999\]> Store : <color:#999999>GET \/favicon\.ico<\/color>\\n<color:#999999><i>\(not in the spec\)<\/i><\/color>$/);
  assert.doesNotMatch(extra, /<b>\d+<\/b>/, 'an extra call has no step number');
  lineWith(puml, 'Store -[#999999]-> Browser', '404');
  const legend = puml.slice(puml.indexOf('legend right'), puml.indexOf('endlegend'));
  assert.match(legend, /missing/);
  assert.match(legend, /6\. Store -> FusionAuth: POST \/api\/jwt\/refresh/);
  assert.match(legend, /7\. FusionAuth -> Store: 200 \(JWT\)/);
  assert.doesNotMatch(legend, /\b[1-5]\. /, 'observed arrows are not missing');
});

test('setup steps are numbered in parentheses; a transport error is a red arrow', () => {
  const setup = ex({ from: 'Browser', to: 'Store', at: 1, method: 'POST', path: '/login', steps: [], status: 302 });
  const broken = ex({ from: 'Browser', to: 'Store', at: 50, method: 'GET', path: '/cart', steps: [5, 6, 7, 8], error: 'ECONNRESET' });
  const puml = renderObserved({ diagram, scenario: 's', exchanges: [setup, broken], verdicts: [] });
  lineWith(puml, 'Browser -> Store : (1) POST /login');
  lineWith(puml, 'Store --> Browser : (4) 302');
  lineWith(puml, 'Store -[#D50000]-> Browser', '✗ ECONNRESET');
});

test('no JWT or password reaches the diagram, from exchanges or from verdict messages', () => {
  const { exchanges, verdicts } = loginAndCart();
  const leaky = [...verdicts, verdict({ id: 'T-8.leak', level: 'MUST', result: 'fail', steps: [8], actual: `body {"password":"${PASSWORD}"} and token ${JWT}`, evidence: [] })];
  const puml = renderObserved({ diagram, scenario: `with ${JWT} in the name`, exchanges, verdicts: leaky });
  assert.ok(!puml.includes(JWT), 'full JWT in diagram');
  assert.ok(!puml.includes(PASSWORD), 'password in diagram');
  assert.ok(puml.includes('eyJhbG…#12262a'), 'tokens are shortened to a fingerprint');
  assert.match(puml, /"password":"\*\*\*\*\*"/);
});

test('labels cannot inject PlantUML markup or hyperlinks', () => {
  const evil = ex({ from: 'Browser', to: 'Store', at: 1, method: 'GET', path: '/x?a=[[javascript:alert(1)]]<b>', steps: [5], status: 200 });
  const puml = renderObserved({ diagram, scenario: 'evil\n@enduml', exchanges: [evil], verdicts: [] });
  assert.ok(!puml.includes('[['), puml);
  assert.ok(!puml.includes(']]'), puml);
  assert.ok(puml.includes('&lt;b&gt;'));
  assert.equal(puml.match(/^@enduml/gm)?.length, 1, 'a name cannot end the diagram early');
});

test('verdicts attach to the arrow of their last evidence, or the first arrow of their step', () => {
  const { exchanges, verdicts } = loginAndCart();
  const noEvidence = verdict({ id: 'T-2.no-evidence', level: 'MUST', result: 'pass', steps: [2] });
  const { events, unplaced } = observedEvents(diagram, exchanges, [...verdicts, noEvidence]);
  const on = (id: string) => events.find((e) => e.verdicts.some((v) => v.id === id));
  assert.equal(on('T-4.cookie-httponly')?.arrow?.n, 4);
  assert.equal(on('T-8.page-shown')?.arrow?.n, 8);
  assert.equal(on('T-5.attack-page')?.arrow?.n, 5);
  assert.equal(events.find((e) => e.verdicts.some((v) => v === noEvidence))?.arrow?.n, 2);
  assert.deepEqual(unplaced, []);
});

test('the stitched workflow diagram orders scenarios by spec step and names its sources', () => {
  const { exchanges, verdicts } = loginAndCart();
  const login = { name: 'Log in', exchanges: exchanges.filter((e) => e.steps.includes(1)), verdicts: verdicts.filter((v) => v.steps[0] <= 4) };
  const cart = { name: 'Load the cart', exchanges: exchanges.filter((e) => e.steps.includes(5)), verdicts: verdicts.filter((v) => v.steps[0] > 4) };
  // The cart scenario comes first in the run; the diagram still reads in step order.
  const puml = renderStitched({ diagram, scenarios: [cart, login] });
  const lines = puml.split('\n');
  const at = (n: number) => lines.findIndex((l) => l.includes(`<b>${n}</b> `));
  for (const n of [1, 2, 3, 4, 5, 8]) assert.ok(at(n) > 0, `arrow ${n} drawn`);
  assert.ok(at(1) < at(2) && at(2) < at(3) && at(3) < at(4) && at(4) < at(5) && at(5) < at(8));
  assert.match(lines[at(1)], /<size:9>S2<\/size>/);
  assert.match(lines[at(5)], /<size:9>S1<\/size>/);
  assert.match(lines[at(8)], /\[#D50000,bold\]/);
  assert.match(puml, /T-8\.page-shown<\/b> MUST FAILED \(S1\)/);
  // Never-observed arrows are drawn in place, dotted, and listed.
  assert.match(puml, /Store -\[#BBBBBB,dotted\]> FusionAuth : <color:#777777>6 <i>POST \/api\/jwt\/refresh<\/i> \(not observed\)/);
  assert.match(puml, /S1 {2}Load the cart/);
  assert.match(puml, /S2 {2}Log in/);
  assert.match(puml, /no scenario observed \(missing\):\n {2}6\. /);
  assert.ok(!puml.includes(JWT) && !puml.includes(PASSWORD));
});
