import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ISSUED_SECRETS_ENV, noteIssuedSecrets, secretsIn } from '../../harness/trace/issued-secrets';
import { Journal } from '../../harness/trace';
import { ex } from '../checks/hand-built';

test('secretsIn: every cookie value a response set and every token field of a JSON answer, 8+ characters', () => {
  const e = ex({
    status: 200,
    resHeaders: { 'set-cookie': ['sid=s%2F123456789; HttpOnly', 'theme=dark', ' weird = spaced-value-1 ; Path=/', 'novalue'] },
    resBody: JSON.stringify({ token: 'eyJ.jwt.value', refreshToken: 'rt-0123456789', refreshTokenId: '9db2841e-95d8-4d21-9eb7-5e8091f10180', access_token: 'at-0123456789', refresh_token: 'rt-form-0123', id_token: 'id-0123456789', user: { id: 'not-a-token-field' }, expires: 12345678901 }),
  });
  assert.deepEqual(secretsIn(e), ['s/123456789', 'spaced-value-1', 'eyJ.jwt.value', 'rt-0123456789', '9db2841e-95d8-4d21-9eb7-5e8091f10180', 'at-0123456789', 'rt-form-0123', 'id-0123456789']);
  assert.deepEqual(secretsIn(ex({ status: 200, resHeaders: { 'set-cookie': 'one=single-cookie-1' }, resBody: 'not json' })), ['single-cookie-1']);
  assert.deepEqual(secretsIn(ex({ status: 200, resBody: '"a string"' })), []);
  assert.deepEqual(secretsIn(ex({ status: 200, resBody: 'null' })), []);
  assert.deepEqual(secretsIn(ex({ status: 204 })), []);
  assert.deepEqual(secretsIn(ex({ error: 'reset', headers: { cookie: 'sid=requested-only' } })), [], 'only what an answer issued');
  assert.deepEqual(secretsIn(ex({ status: 200, resBody: JSON.stringify({ token: '1234567' }) })), [], 'seven characters are not a secret');
  assert.deepEqual(secretsIn(ex({ status: 200, resBody: JSON.stringify({ token: '12345678' }) })), ['12345678']);
});

test('with LOGINFLOW_ISSUED_SECRETS_FILE the journal appends them, one a line; without it nothing is written', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'issued-'));
  const file = path.join(dir, 'secrets');
  const e = ex({ status: 200, resHeaders: { 'set-cookie': ['a=first-secret', 'b=second-secret'] } });
  noteIssuedSecrets(e, { [ISSUED_SECRETS_ENV]: file });
  noteIssuedSecrets(ex({ status: 200 }), { [ISSUED_SECRETS_ENV]: file });
  noteIssuedSecrets(e, { [ISSUED_SECRETS_ENV]: file });
  assert.equal(fs.readFileSync(file, 'utf8'), 'first-secret\nsecond-secret\nfirst-secret\nsecond-secret\n');
  noteIssuedSecrets(e, {});
  assert.equal(fs.readFileSync(file, 'utf8').split('\n').length, 5);
  assert.equal(ISSUED_SECRETS_ENV, 'LOGINFLOW_ISSUED_SECRETS_FILE');
  const before = process.env[ISSUED_SECRETS_ENV];
  process.env[ISSUED_SECRETS_ENV] = path.join(dir, 'journal');
  try {
    new Journal().record({ at: 0, durationMs: 1, from: 'Store', to: 'Browser', request: { method: 'GET', host: 'h', path: '/', headers: {} }, response: { status: 200, headers: { 'set-cookie': 'sid=journal-secret' } } });
  } finally {
    if (before === undefined) delete process.env[ISSUED_SECRETS_ENV];
    else process.env[ISSUED_SECRETS_ENV] = before;
  }
  assert.equal(fs.readFileSync(path.join(dir, 'journal'), 'utf8'), 'journal-secret\n');
  fs.rmSync(dir, { recursive: true, force: true });
});
