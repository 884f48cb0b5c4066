import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchScenario, namedArrows, placeVerdict } from '../../harness/report/match';
import { renderObserved, renderStitched } from '../../harness/report/observed';
import { auditStitched } from './audit';
import { loadDiagram } from '../../harness/spec/diagram';
import { diagram as tinySpec, ex, loginAndCart, verdict } from './fixtures';
import { journal, type Journal, scenario } from './journals';

/**
 * The matcher and the drawing on journals recorded from real runs (test/report/fixtures/*.json,
 * made by fixtures/record.ts; each file says how it was recorded): the exact arrow of each
 * exchange and where each verdict is drawn, for each way the diagrams used to lie.
 */
type S = Journal['scenarios'][number];

function matched(j: Journal, s: S) {
  return matchScenario(j.diagram, s.exchanges, namedArrows(j.diagram, s.exchanges, s.verdicts, s.steps));
}

/** `seq role request/response` for every exchange, in wire order: the whole match at a glance. */
function table(j: Journal, s: S): string[] {
  return matched(j, s).exchanges.map((m) => {
    const e = m.exchange;
    const arrows = m.request ? ` ${m.request.n}/${m.response?.n ?? '-'}` : m.serves?.arrow ? ` for ${m.serves.arrow.n}` : '';
    return `${e.seq} ${e.request.method} ${e.request.path.split('?')[0]} ${m.role}${arrows}`;
  });
}

function observed(j: Journal, s: S): string {
  return renderObserved({ diagram: j.diagram, scenario: s.name, exchanges: s.exchanges, verdicts: s.verdicts, steps: s.steps });
}

function stitched(j: Journal): string {
  return renderStitched({ diagram: j.diagram, scenarios: j.scenarios });
}

function lineWith(puml: string, ...parts: string[]): string {
  const line = puml.split('\n').find((l) => parts.every((p) => l.includes(p)));
  assert.ok(line, `a line with ${parts.join(' + ')} in\n${puml}`);
  return line;
}

/** The note header right after the arrow line `line` (notes follow the arrow they are on). */
function notesAfter(puml: string, line: string): string[] {
  const lines = puml.split('\n');
  const out: string[] = [];
  for (let i = lines.indexOf(line) + 1; lines[i]?.startsWith('note '); ) {
    out.push(lines[i + 1]);
    while (lines[i] !== 'end note') i++;
    i++;
  }
  return out;
}

// ---- browser mode: CORS preflights -------------------------------------------------------

test('browser mode: a CORS preflight is its own unnumbered arrow; the real POST /api/login is arrow 5, its 200 arrow 6', () => {
  const j = journal('spa-browser-reference');
  const s = scenario(j, "Log in through the store's app");
  assert.deepEqual(table(j, s), [
    '1 GET / spec 1/2',
    '2 GET /app.js extra',
    '3 OPTIONS /api/login preflight for 5',
    '4 POST /api/login spec 5/6',
    // The app loads the cart by itself right after login (during "logs in", steps 5-6); the
    // next Gherkin step (step 8) names that arrow.
    '5 GET /api/load-shopping-cart spec 8/9',
  ]);
  const puml = observed(j, s);
  const preflight = lineWith(puml, 'OPTIONS /api/login');
  assert.match(preflight, /^Browser -\[#78909C\]> FusionAuth : <color:#78909C>OPTIONS \/api\/login<\/color>\\n<color:#78909C><i>\(CORS preflight for 5\)<\/i><\/color>$/);
  const post = lineWith(puml, 'POST /api/login');
  assert.match(post, /^Browser -\[#2E7D32\]> FusionAuth : <b>5<\/b> POST \/api\/login/);
  assert.doesNotMatch(post, /not in the spec/);
  assert.match(lineWith(puml, '<b>6</b> 200'), /^FusionAuth -\[#2E7D32\]-> Browser/);
  const lines = puml.split('\n');
  assert.equal(lines.indexOf(preflight) + 2, lines.indexOf(post), 'the preflight (and its answer) right before the request it clears');
  assert.match(lineWith(puml, '<b>9</b> 200'), /✓ page-shown/);
});

test('browser mode: the refresh preflight is unnumbered, the real refresh is 10-11, a page reload is (1) and the cart call 13-14', () => {
  const j = journal('spa-browser-reference');
  const s = scenario(j, 'An expired JWT is refreshed');
  assert.deepEqual(table(j, s), [
    // The Given "alice has logged in": repeats of the spec's arrows, numbered in parentheses.
    '1 GET / setup 1/2',
    '2 GET /app.js extra',
    '3 OPTIONS /api/login preflight for 5',
    '4 POST /api/login setup 5/6',
    '5 GET /api/load-shopping-cart setup 8/9',
    // "When the app loads the shopping cart again (steps 10-13)": the browser reloads the app.
    '6 GET / repeat 1/2',
    '7 GET /app.js extra',
    '8 OPTIONS /api/jwt/refresh preflight for 10',
    '9 POST /api/jwt/refresh spec 10/11',
    '10 GET /api/load-shopping-cart spec 13/14',
  ]);
  const puml = observed(j, s);
  assert.match(lineWith(puml, 'OPTIONS /api/jwt/refresh'), /\(CORS preflight for 10\)/);
  assert.doesNotMatch(lineWith(puml, 'OPTIONS /api/jwt/refresh'), /<b>\d+<\/b>/);
  lineWith(puml, '<b>10</b> POST /api/jwt/refresh', '✓ spa-refresh-called');
  lineWith(puml, '<b>11</b> 200');
  lineWith(puml, '<b>13</b> GET /api/load-shopping-cart', '✓ page-shown');
  lineWith(puml, '<b>14</b> 200');
  assert.equal(puml.split('\n').filter((l) => l.includes('GET / ') || l.endsWith('GET /')).every((l) => l.includes('(1) GET /')), true, 'the reload is arrow 1 repeated, not 13');
  assert.doesNotMatch(puml, /GET \/api\/load-shopping-cart.*not in the spec/);
});

test('browser mode: the stitched SPA diagram draws 26-27 (the forum posts) solid, with the check that passed there', () => {
  const j = journal('spa-browser-reference');
  const puml = stitched(j);
  lineWith(puml, '<b>26</b> GET /api/load-posts', 'S10');
  lineWith(puml, '<b>27</b> 200', '✓ page-shown');
  assert.doesNotMatch(puml, /(26|27) <i>.*\(not observed\)/);
  assert.doesNotMatch(puml, /missing/);
  // Every preflight of the drawn scenarios sits right before the request it clears.
  const lines = puml.split('\n');
  for (const [path, n] of [['/api/login', 5], ['/api/jwt/refresh', 10], ['/api/jwt/refresh', 15], ['/api/login', 22]] as const) {
    const req = lines.findIndex((l) => l.includes(`<b>${n}</b> POST ${path}`));
    assert.match(lines[req - 2], new RegExp(`OPTIONS ${path}.*CORS preflight for ${n}`), `the preflight before ${n}`);
  }
  assert.deepEqual(auditStitched(j.diagram, puml, j.scenarios), []);
});

test('browser mode: a cross-origin preflight the API refuses is drawn next to the cart call, not as step 8', () => {
  const j = journal('spa-browser-reference');
  const s = scenario(j, 'other origins');
  assert.deepEqual(table(j, s).slice(5), ['6 OPTIONS /api/load-shopping-cart preflight for 8', '7 GET /api/load-shopping-cart spec 8/9']);
  const puml = observed(j, s);
  assert.match(lineWith(puml, 'OPTIONS /api/load-shopping-cart'), /CORS preflight for 8/);
  lineWith(puml, '<b>9</b> 200', '✓ cors-credentials');
});

// ---- a backend with an extra call -------------------------------------------------------

test('an extra call is grey and unnumbered, and the verdict whose evidence it is is drawn on it; the spec arrows it replaced stay dotted', () => {
  const j = journal('wjc-unknown-endpoint');
  const s = j.scenarios[0];
  assert.deepEqual(table(j, s), ['1 GET / spec 1/2', '2 GET /login spec 3/4', '4 POST /login spec 5/8', '3 POST /api/does-not-exist extra']);
  const m = matched(j, s);
  assert.deepEqual(m.missing.map((a) => a.n), [6, 7, 9, 10]);
  const v = s.verdicts.find((x) => x.id === 'WJC-6.login-called')!;
  assert.deepEqual(placeVerdict(m, v), { on: 'exchange', seq: 3, half: 'response' });
  const puml = observed(j, s);
  assert.match(lineWith(puml, 'POST /api/does-not-exist'), /^Store -\[#999999\]> FusionAuth : <color:#999999>POST \/api\/does-not-exist<\/color>.*\(not in the spec\)/);
  const answer = lineWith(puml, 'FusionAuth -[#999999]-> Store', '404');
  assert.deepEqual(notesAfter(puml, answer).map((h) => h.replace(/<[^>]+>/g, '')), ['✗ WJC-6.login-called MUST FAILED']);
  lineWith(puml, 'Store -[#BBBBBB,dotted]> FusionAuth', '6 <i>POST /api/login</i> (not observed)');
  assert.doesNotMatch(puml, /<b>6<\/b>/, 'the unknown endpoint is not numbered as the login call');
  assert.deepEqual(auditStitched(j.diagram, stitched(j), j.scenarios), []);
});

test('an SPA asset the spec does not draw is an extra call, never a spec arrow', () => {
  const j = journal('spa-browser-reference');
  const puml = observed(j, scenario(j, 'Log in through the forums'));
  for (const host of ['Store', 'Forums']) assert.match(lineWith(puml, `Browser -[#999999]> ${host} `, 'GET /app.js'), /<color:#999999>GET \/app\.js<\/color>.*\(not in the spec\)/);
  assert.doesNotMatch(puml, /<b>\d+<\/b> GET \/app\.js/);
});

test('a backend call the step does not need (a refresh of a still-valid JWT) is an extra call, and a verdict about it is drawn on it', () => {
  const d = loadDiagram('webapp-jwt-cookies');
  const cart = ex({ seq: 2, from: 'Browser', to: 'Store', at: 0, durationMs: 30, method: 'GET', path: '/shopping-cart', steps: [9, 10], status: 200, resHeaders: { 'content-type': 'text/html' }, resBody: '<title>Cart</title>' });
  const refresh = ex({ seq: 1, from: 'Store', to: 'FusionAuth', at: 10, method: 'POST', path: '/api/jwt/refresh', steps: [9, 10], status: 200 });
  // The same call inside a setup login's page is no repeat of 12 either: it is not inside 11-14.
  const v = verdict({ id: 'WJC-10.no-needless-refresh', level: 'SHOULD', result: 'fail', steps: [10], actual: 'refreshed a JWT that was still valid', evidence: [refresh] });
  const m = matchScenario(d, [cart, refresh], namedArrows(d, [cart, refresh], [v]));
  assert.deepEqual(m.exchanges.map((x) => `${x.exchange.seq} ${x.role} ${x.request?.n ?? ''}`), ['2 spec 9', '1 extra ']);
  assert.deepEqual(placeVerdict(m, v), { on: 'exchange', seq: 1, half: 'response' });
  const puml = renderObserved({ diagram: d, scenario: 's', exchanges: [cart, refresh], verdicts: [v] });
  const answer = lineWith(puml, 'FusionAuth -[#999999]-> Store');
  assert.deepEqual(notesAfter(puml, answer).map((h) => h.replace(/<[^>]+>/g, '')), ['✗ WJC-10.no-needless-refresh SHOULD FAILED']);
  assert.doesNotMatch(puml, /\(12\)/);
});

// ---- a missing call ---------------------------------------------------------------------

test('a refresh that never came: arrows 12-13 are dotted in place and the refresh-called failure is drawn on 12, not on 14', () => {
  const j = journal('wjc-no-refresh');
  const s = scenario(j, '(Reusable refresh tokens)');
  const m = matched(j, s);
  assert.deepEqual(m.missing.map((a) => a.n), [12, 13]);
  const v = s.verdicts.find((x) => x.id === 'WJC-12.refresh-called')!;
  const p = placeVerdict(m, v);
  assert.equal(p.on === 'arrow' && `${p.arrow.n} ${p.why}`, '12 missing');
  const puml = observed(j, s);
  const lines = puml.split('\n');
  const twelve = lineWith(puml, '12 <i>POST /oauth2/token or POST /api/jwt/refresh</i> (not observed)');
  assert.match(twelve, /^Store -\[#D50000,dotted\]> FusionAuth : <color:#D50000><b>✗<\/b><\/color> /);
  assert.deepEqual(notesAfter(puml, twelve).map((h) => h.replace(/<[^>]+>/g, '')), ['✗ WJC-12.refresh-called MUST FAILED']);
  const fourteen = lineWith(puml, '<b>14</b> 302');
  assert.deepEqual(notesAfter(puml, fourteen), [], 'no note on the answer that happened to be the evidence');
  // In wire order: 11, then the dotted 12 and 13, then 14.
  const at = (s: string) => lines.findIndex((l) => l.includes(s));
  assert.ok(at('<b>11</b> GET /shopping-cart') < at(twelve) && at(twelve) < at('13 <i>200 (JWT)</i>') && at('13 <i>200 (JWT)</i>') < at(fourteen));

  const all = stitched(j);
  const dotted = lineWith(all, '12 <i>POST /oauth2/token or POST /api/jwt/refresh</i> (not observed)');
  assert.match(dotted, /-\[#D50000,dotted\]>/);
  assert.deepEqual(notesAfter(all, dotted).map((h) => h.replace(/<[^>]+>/g, '')), ['✗ WJC-12.refresh-called MUST FAILED (S6, S7)']);
  assert.deepEqual(notesAfter(all, lineWith(all, '<b>14</b> 302')), []);
  assert.deepEqual(auditStitched(j.diagram, all, j.scenarios), []);
});

// ---- a backend with a different login shape ---------------------------------------------

test('a login that fetches the form again (GET /login inside "submits the form") is (3)-(4); POST /login stays 5 and its redirect 9', () => {
  const j = journal('ws-session-fixation');
  const s = scenario(j, 'A new session id is issued at every login');
  assert.deepEqual(table(j, s), [
    '1 GET /login setup 3/4',
    '3 POST /login setup 5/9',
    '2 POST /api/login setup 6/7',
    '4 GET /shopping-cart setup 10/12',
    '5 GET /login repeat 3/4',
    '7 POST /login spec 5/9',
    '6 POST /api/login spec 6/7',
    '8 GET /shopping-cart repeat 10/12',
  ]);
  const puml = observed(j, s);
  assert.doesNotMatch(puml, /not in the spec/);
  assert.doesNotMatch(puml, /<b>5<\/b> GET/);
  lineWith(puml, 'Browser -> Store : <b>5</b> POST /login');
  lineWith(puml, '<b>9</b> 302 Location: /shopping-cart');
  assert.equal(puml.split('\n').filter((l) => l.includes('GET /login')).every((l) => l.includes('(3) GET /login')), true);
});

// ---- self-arrows --------------------------------------------------------------------------

test('a failure at a self-arrow (session created, step 8) is a note on the self-arrow, per scenario and stitched', () => {
  for (const [file, id, part] of [
    ['ws-session-fixation', 'WS-8.new-session-id', 'A new session id'],
    ['ws-predictable-session-id', 'WS-8.session-id-entropy', 'cannot be guessed'],
  ] as const) {
    const j = journal(file);
    const s = scenario(j, part);
    const p = placeVerdict(matched(j, s), s.verdicts.find((v) => v.id === id)!);
    assert.equal(p.on === 'arrow' && `${p.arrow.n} ${p.why}`, '8 self', file);
    for (const puml of [observed(j, s), stitched(j)]) {
      const self = lineWith(puml, 'Store -[#E65100]> Store', '8 <i>Create session and store User in it</i> (not on the wire)');
      assert.ok(notesAfter(puml, self).some((h) => h.includes(`<b>${id}</b> SHOULD FAILED`)), `${id} on the self-arrow in\n${puml}`);
    }
    assert.deepEqual(auditStitched(j.diagram, stitched(j), j.scenarios), [], file);
  }
});

// ---- a failing variant next to a passing one --------------------------------------------

test('stitched: arrow 18 is the failing variant\'s 500 with its cross only, the variant named; no tick from the passing 404 variant', () => {
  const j = journal('wjc-only-404-is-refresh-failure');
  const failing = j.scenarios.findIndex((s) => s.name.includes('answers 400'));
  const passing = j.scenarios.findIndex((s) => s.name.includes('answers 404'));
  const puml = stitched(j);
  const eighteen = lineWith(puml, '<b>18</b>');
  assert.match(eighteen, /^Store -\[#D50000,bold\]-> Browser : <color:#D50000><b>✗<\/b><\/color> <b>18<\/b> 500 \(HTML: Store - Error 500\)/);
  assert.ok(eighteen.includes(`<size:9>S${failing + 1}</size>`), eighteen);
  assert.doesNotMatch(eighteen, /✓/, 'no tick from another variant on a failed arrow');
  const notes = puml.split('\n').slice(puml.split('\n').indexOf(eighteen) + 1, puml.split('\n').indexOf(eighteen) + 7).join('\n');
  assert.match(notes, new RegExp(`✗ <b>WJC-18\\.redirect-to-login</b> MUST FAILED \\(S${failing + 1}\\)`));
  assert.match(notes, /in S\d+: An expired refresh token sends the user back to the login page \(FusionAuth answers 400\)/);
  // The passing variant's own diagram has its tick.
  lineWith(observed(j, j.scenarios[passing]), '<b>18</b> 302 Location: /login', '✓ redirect-to-login');
  assert.deepEqual(auditStitched(j.diagram, puml, j.scenarios), []);
});

// ---- redirect hops ------------------------------------------------------------------------

test('a redirect hop between two spec arrows is unnumbered next to them, not an arrow of the spec', () => {
  const d = loadDiagram('webapp-jwt-cookies');
  const html = { 'content-type': 'text/html' };
  const post = ex({ seq: 1, from: 'Browser', to: 'Store', at: 0, method: 'POST', path: '/login', steps: [5, 6, 7, 8], status: 303, resHeaders: { location: '/welcome' } });
  const welcome = ex({ seq: 2, from: 'Browser', to: 'Store', at: 50, method: 'GET', path: '/welcome', steps: [9, 10], status: 302, resHeaders: { location: 'http://store.example.test/shopping-cart' } });
  const cart = ex({ seq: 3, from: 'Browser', to: 'Store', at: 60, method: 'GET', path: '/shopping-cart', steps: [9, 10], status: 200, resHeaders: html, resBody: '<title>Cart</title>' });
  // A trailing-slash redirect after the page: the hop follows the arrow it comes from.
  const posts = ex({ seq: 4, from: 'Browser', to: 'Forums', at: 100, method: 'GET', path: '/posts', steps: [28, 29], status: 301, resHeaders: { location: '/posts/' } });
  const slash = ex({ seq: 5, from: 'Browser', to: 'Forums', at: 110, method: 'GET', path: '/posts/', steps: [28, 29], status: 200, resHeaders: html });
  const exchanges = [post, welcome, cart, posts, slash];
  const m = matchScenario(d, exchanges, namedArrows(d, exchanges, []));
  assert.deepEqual(
    m.exchanges.map((x) => `${x.exchange.request.path} ${x.role} ${x.request?.n ?? ''}${x.serves ? `for ${x.serves.arrow?.n}` : ''}`),
    ['/login spec 5', '/welcome redirect for 9', '/shopping-cart spec 9', '/posts spec 28', '/posts/ redirect for 28'],
  );
  const puml = renderObserved({ diagram: d, scenario: 's', exchanges, verdicts: [] });
  assert.match(lineWith(puml, 'GET /welcome'), /^Browser -\[#78909C\]> Store : <color:#78909C>GET \/welcome<\/color>\\n<color:#78909C><i>\(redirect hop, toward 9\)<\/i><\/color>$/);
  lineWith(puml, '<b>9</b> GET /shopping-cart');
  lineWith(puml, '<b>10</b> 200');
  assert.match(lineWith(puml, 'GET /posts/'), /redirect hop, toward 28/);
});

// ---- not applicable ----------------------------------------------------------------------

test('a not-applicable verdict is never drawn as a pass, nor as a note', () => {
  const { exchanges, login } = loginAndCart();
  const na = verdict({ id: 'T-4.cookie-samesite', level: 'SHOULD', result: 'na', steps: [4], actual: 'no cookie to check', reason: 'no cookie to check', evidence: [login] });
  for (const puml of [renderObserved({ diagram: tinySpec, scenario: 's', exchanges, verdicts: [na] }), renderStitched({ diagram: tinySpec, scenarios: [{ name: 's', exchanges, verdicts: [na] }] })]) {
    assert.doesNotMatch(puml, /cookie-samesite/);
    assert.doesNotMatch(lineWith(puml, '<b>4</b> 302'), /#2E7D32|✓/);
  }
});

// ---- the side-by-side check, on every recorded run ----------------------------------------

test('every recorded run: arrows exercised by passing scenarios are solid, each failing verdict is drawn exactly once', () => {
  for (const f of ['spa-browser-reference', 'wjc-no-refresh', 'wjc-only-404-is-refresh-failure', 'wjc-unknown-endpoint', 'ws-session-fixation', 'ws-predictable-session-id']) {
    const j = journal(f);
    assert.deepEqual(auditStitched(j.diagram, stitched(j), j.scenarios), [], f);
  }
});

test('the audit bites: a dotted arrow of a passing scenario, and a failure drawn twice or not at all, are reported', () => {
  const j = journal('wjc-no-refresh');
  const puml = stitched(j);
  const dotted = puml.replace(/^(.*)<b>26<\/b> (.*)$/m, 'Browser -[#BBBBBB,dotted]> Forums : <color:#777777>26 <i>x</i> (not observed)</color>');
  assert.match(auditStitched(j.diagram, dotted, j.scenarios).join('\n'), /arrow 26 .* passing scenario S10/);
  const twice = puml.replace(/(note right of \S+ #FFCDD2\n✗ <b>WJC-12\.refresh-called<\/b>[^]*?end note)/, '$1\n$1');
  assert.match(auditStitched(j.diagram, twice, j.scenarios).join('\n'), /WJC-12\.refresh-called of S6 .* drawn 2 times/);
  const none = puml.replace(/<b>WJC-16\.refresh-called<\/b>/g, 'gone');
  assert.match(auditStitched(j.diagram, none, j.scenarios).join('\n'), /WJC-16\.refresh-called of S8 .* drawn 0 times/);
});
