import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { candidates, findToken, unwrapSessionId } from '../../harness/checks/cookie-tokens';

/** One test per encoding apps really use: the token must be found, and (where possible) put back re-encoded. */
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS1qd3QtMDEyMzQ1Njc4OQ';
const OTHER = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.YW5vdGhlci1zaWduYXR1cmUtMDEyMzQ1Njc4OTAxMjM';
const REFRESH = 'Zr1Xk2v9bT0qL8mN4pQ7sW3yA6cE5gH1jK0oP2rS4uV6xY8zB0dF';
const role = (s: string) => (s === JWT ? 'jwt' : s === REFRESH ? 'refreshToken' : undefined);

/** cookie-signature's format: s:<value>.<base64 HMAC-SHA256 without padding>. */
function sign(v: string, secret = 'keyboard cat'): string {
  return `s:${v}.${createHmac('sha256', secret).update(v).digest('base64').replace(/=+$/, '')}`;
}

test('the bare value is found', () => {
  assert.deepEqual(findToken(JWT, role)?.via, []);
  assert.equal(findToken(JWT, role)?.replace?.(OTHER), OTHER);
});

test('URL-encoded: found, and put back URL-encoded', () => {
  const cookie = encodeURIComponent(`{"rt":"${REFRESH}"}`);
  const f = findToken(cookie, role)!;
  assert.equal(f.role, 'refreshToken');
  assert.deepEqual(f.via, ['url-encoded', 'JSON at .rt']);
  assert.equal(decodeURIComponent(f.replace!('x')), '{"rt":"x"}');
});

test('Express-signed (s:…, URL-encoded as cookie-parser sends it): found, flagged signed, not rewritable', () => {
  const cookie = encodeURIComponent(sign(JWT));
  assert.ok(cookie.startsWith('s%3A'));
  const f = findToken(cookie, role)!;
  assert.equal(f.role, 'jwt');
  assert.deepEqual(f.via, ['url-encoded', 'express-signed']);
  assert.equal(f.signed, true);
  assert.equal(f.replace, undefined, 'the kit cannot re-sign without the app secret');
  assert.deepEqual(unwrapSessionId(encodeURIComponent(sign('Xq9_abcdefghijklmnopqrstuvwxyz012'))), { id: 'Xq9_abcdefghijklmnopqrstuvwxyz012', via: ['url-encoded', 'express-signed'] });
});

test('j: JSON (cookie-parser JSON cookies): found at its member, put back as j: JSON', () => {
  const cookie = encodeURIComponent(`j:${JSON.stringify({ user: { id: 1 }, tokens: { access: JWT, refresh: REFRESH } })}`);
  const f = findToken(cookie, role)!;
  assert.equal(f.role, 'jwt');
  assert.deepEqual(f.via, ['url-encoded', 'j: JSON at .tokens.access']);
  const back = decodeURIComponent(f.replace!(OTHER));
  assert.ok(back.startsWith('j:'));
  assert.deepEqual(JSON.parse(back.slice(2)), { user: { id: 1 }, tokens: { access: OTHER, refresh: REFRESH } });
  assert.ok(candidates(cookie).some((c) => c.value === REFRESH), 'every string inside is a candidate');
});

test('base64 and base64url JSON: found, put back in the same alphabet', () => {
  for (const alphabet of ['base64', 'base64url'] as const) {
    const json = JSON.stringify({ token: JWT, exp: 1 });
    const cookie = Buffer.from(json).toString(alphabet);
    const f = findToken(cookie, role)!;
    assert.equal(f.role, 'jwt', alphabet);
    // Without + / _ - in it, base64 and base64url read the same; either label is right.
    assert.match(f.via.join(' > '), /^base64(url)? JSON at \.token$/, alphabet);
    assert.deepEqual(JSON.parse(Buffer.from(f.replace!(OTHER), alphabet).toString()), { token: OTHER, exp: 1 });
  }
});

// Added for the mutation slice of cookie-tokens.ts (docs/mutation-testing.md): every candidate
// list written out, so a changed decoder, regex or depth limit shows as a changed list.
const seen = (v: string): string[] => candidates(v).map((c) => `${c.value} | ${c.via.join(' > ')}${c.signed ? ' | signed' : ''}`);

test('candidates, exactly: a JWT-shaped value ends the walk only when the whole value is JWT-shaped', () => {
  assert.deepEqual(seen('plain'), ['plain | ']);
  assert.deepEqual(seen(JWT), [`${JWT} | `]);
  assert.deepEqual(seen('q%20a.b.c'), ['q%20a.b.c | ', 'q a.b.c | url-encoded']);
  assert.deepEqual(seen('a.b.c%20'), ['a.b.c%20 | ', 'a.b.c  | url-encoded']);
  // "%4" is not an escape; "%41" is, and decoding must change the value.
  assert.deepEqual(seen('x%4'), ['x%4 | ']);
  assert.deepEqual(seen('%E0%A4%A'), ['%E0%A4%A | '], 'a broken escape is not decoded');
});

test('candidates, exactly: base64 and base64url JSON, padded or not, and not a prefix of the value', () => {
  const url = Buffer.from('{"t":"a?>"}').toString('base64url'); // has "_" or "-": base64url only
  assert.match(url, /[-_]/);
  assert.deepEqual(seen(url), [`${url} | `, 'a?> | base64url JSON at .t']);
  const padded = Buffer.from('{"t":"xy"}').toString('base64'); // ends in "=="
  assert.equal(padded, 'eyJ0IjoieHkifQ==');
  assert.deepEqual(seen(padded), [`${padded} | `, 'xy | base64 JSON at .t']);
  const xy = (s: string) => (s === 'xy' ? 'jwt' : undefined);
  assert.equal(findToken(padded, xy)!.replace!('yz'), 'eyJ0IjoieXoifQ==', 'a padded value stays padded');
  assert.equal(findToken('eyJ0IjoieHkifQ', xy)!.replace!('yz'), 'eyJ0IjoieXoifQ', 'an unpadded value stays unpadded');
  assert.equal(findToken('eyJ0IjoieHkifQ', xy)!.replace!('y'), 'eyJ0IjoieSJ9');
  // Base64 text only in a part of the value, or too short, is not decoded.
  assert.deepEqual(seen(`!${padded}`), [`!${padded} | `]);
  assert.deepEqual(seen(`${padded}!`), [`${padded}! | `]);
  assert.deepEqual(seen(`~${url}`), [`~${url} | `]);
  assert.deepEqual(seen(`${url}~`), [`${url}~ | `]);
  assert.deepEqual(seen('e30='), ['e30= | '], 'fewer than 8 characters: "{}" is not decoded');
  assert.deepEqual(seen(Buffer.from('  {"t":"x"}').toString('base64')), [`${Buffer.from('  {"t":"x"}').toString('base64')} | `, 'x | base64 JSON at .t'], 'JSON after white space');
  assert.deepEqual(seen(Buffer.from('x{"t":"x"}').toString('base64')), [`${Buffer.from('x{"t":"x"}').toString('base64')} | `], 'text that is not JSON');
});

test('candidates, exactly: JSON arrays and objects, j: and plain, and the depth limit', () => {
  assert.deepEqual(seen('["a",["b"],{"c":"d"},1,null]'), ['["a",["b"],{"c":"d"},1,null] | ', 'a | JSON at [0]', 'b | JSON at [1][0]', 'd | JSON at [2].c']);
  assert.deepEqual(seen('"a"'), ['"a" | '], 'JSON that is not an array or object is not read');
  assert.deepEqual(seen('x["a"]'), ['x["a"] | ']);
  assert.deepEqual(seen('j:"a"'), ['j:"a" | ', 'a | j: JSON at (root)']);
  assert.deepEqual(seen('j:{'), ['j:{ | '], 'j: that is not JSON');
  const arr = findToken('["a","b"]', (s) => (s === 'b' ? 'jwt' : undefined))!;
  assert.equal(arr.replace!('z'), '["a","z"]');
  // Five levels of decoding at most: a value URL-encoded seven times shows six candidates.
  let v = 'a b';
  for (let i = 0; i < 7; i++) v = encodeURIComponent(v);
  const got = seen(v);
  assert.equal(got.length, 6);
  assert.equal(got[5], `${encodeURIComponent(encodeURIComponent('a b'))} | url-encoded > url-encoded > url-encoded > url-encoded > url-encoded`);
});

test('Express-signed values exactly: the value, the signature kept, a wrong signature is not one', () => {
  const s = sign('inner');
  assert.deepEqual(seen(s), [`${s} | `, 'inner | express-signed | signed']);
  // The signature is kept, not the value's tail (replace is offered only for unsigned candidates, so read it through a JSON wrapper).
  const inJson = findToken(`["${s}"]`, (x) => (x === s ? 'jwt' : undefined))!;
  assert.equal(inJson.replace!('n'), '["n"]');
  assert.deepEqual(seen(`${s}A`), [`${s}A | `], 'a 44-character signature is not cookie-signature\'s');
  assert.deepEqual(seen(`x${s}`), [`x${s} | `]);
  assert.deepEqual(seen(`s:.${s.slice(s.lastIndexOf('.') + 1)}`), [`s:.${s.slice(s.lastIndexOf('.') + 1)} | `], 'no value before the signature');
  assert.deepEqual(unwrapSessionId('plainid12345'), { id: 'plainid12345', via: [] });
  assert.deepEqual(unwrapSessionId(sign('abc')), { id: 'abc', via: ['express-signed'] });
  assert.deepEqual(unwrapSessionId('a%20b'), { id: 'a b', via: ['url-encoded'] });
});

test('candidates, exactly: the depth limit counts every kind of decoding, not only URL-encoding', () => {
  const four = (v: string) => [1, 2, 3, 4].reduce((x) => encodeURIComponent(x), v);
  // Four URL-encodings, then a fifth decoding of each kind: what it holds is at depth 5 and is not decoded again.
  // "WyJ4Il0=" is base64 for ["x"]: decoded one level up, it would show "x". "WyJXeUo0SWwwPSJdIA==" is base64 for '["WyJ4Il0="] '.
  for (const [inner, via] of [['["WyJ4Il0="]', 'JSON at [0]'], ['j:["WyJ4Il0="]', 'j: JSON at [0]'], ['WyJXeUo0SWwwPSJdIA==', 'base64 JSON at [0]'], [sign('WyJ4Il0='), 'express-signed']] as const) {
    const got = seen(four(inner));
    assert.equal(got.length, 6, `${inner}: ${got.join('\n')}`);
    assert.equal(got[5], `WyJ4Il0= | url-encoded > url-encoded > url-encoded > url-encoded > ${via}${inner.startsWith('s:') ? ' | signed' : ''}`);
  }
});

test('candidates, exactly: JSON only from the first character, base64 from 8 characters, the alphabet kept on replace', () => {
  assert.deepEqual(seen(' ["a"]'), [' ["a"] | ']);
  assert.deepEqual(seen('WyJhIl0'), ['WyJhIl0 | '], '7 characters');
  assert.deepEqual(seen('WyJhIl0='), ['WyJhIl0= | ', 'a | base64 JSON at [0]'], '8 characters');
  const gt = (s: string) => (s === '??>' ? 'jwt' : undefined);
  // "+" only in the base64 alphabet, "-" only in base64url: each is re-encoded in its own, padded only when it was.
  assert.equal(findToken('eyJ0IjoiPz8+In0=', gt)!.replace!('a>?'), 'eyJ0IjoiYT4/In0=');
  assert.equal(findToken('eyJ0IjoiPz8+In0', gt)!.replace!('a>?'), 'eyJ0IjoiYT4/In0');
  assert.equal(findToken('eyJ0IjoiPz8+In0', gt)!.replace!('>?'), 'eyJ0IjoiPj8ifQ', 'both padding characters left out');
  // base64 for '"[abcd"': JSON text, but not an array or object at its start, so not read.
  assert.deepEqual(seen('IlthYmNkIg=='), ['IlthYmNkIg== | ']);
  assert.equal(findToken('eyJ0IjoiPz8-In0', gt)!.replace!('a>?'), 'eyJ0IjoiYT4_In0');
  assert.deepEqual(findToken('eyJ0IjoiPz8-In0', gt)!.via, ['base64url JSON at .t']);
  assert.deepEqual(findToken('eyJ0IjoiPz8+In0', gt)!.via, ['base64 JSON at .t']);
});

test('an opaque (encrypted) cookie holds nothing findable', () => {
  const sealed = 'Fe26.2**0cdd1f0b3b0c3a2f**8CcrDLxWAR1GHb0vRwaOqw*Q2Z0bWxqZ0dGRXZpU3pp**a1b2c3';
  assert.equal(findToken(sealed, role), undefined);
});
