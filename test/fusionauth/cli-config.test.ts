import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../harness/fusionauth/cli';
import { SEEDED_DIRECTORY } from '../../harness/fusionauth';
import { directoryWith } from '../../harness/fusionauth/config-section';

/** `loginflow fusionauth --config FILE` reads the run config's own `fusionauth` section. */
function file(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loginflow-fa-cli-'));
  const f = path.join(dir, 'loginflow.json');
  fs.writeFileSync(f, JSON.stringify(content));
  return f;
}

async function start(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), until: Promise.resolve() });
  return { code, out, err };
}

test('the run config: its fusionauth section, directory fields overridden one by one', async () => {
  const config = file({
    workflow: 'webapp-sessions',
    store: { command: ['node', 'server.js'] },
    fusionauth: { signing: 'RS256', directory: { apiKey: 'my-own-api-key', applications: { store: { id: '0e9e3c1a-0000-4000-8000-00000000abcd' } } } },
  });
  const r = await start(['--port', '0', '--config', config]);
  assert.equal(r.code, 0, r.err.join('\n'));
  const text = r.out.join('\n');
  assert.match(text, /signing RS256/);
  assert.match(text, /API key {8}my-own-api-key/);
  assert.match(text, /application {4}store {4}id 0e9e3c1a-0000-4000-8000-00000000abcd {2}client secret store-client-secret-0123456789abcdef/, 'the client secret keeps its seeded value');
  assert.ok(text.includes(`forums   id ${SEEDED_DIRECTORY.applications.forums.id}`), 'the other application is untouched');
});

test('unknown keys are errors, in a run config and in a bare section: exit 2 naming the field', async () => {
  const r = await start(['--port', '0', '--config', file({ store: { url: 'http://127.0.0.1:1' }, fusionauth: { signin: 'RS256' } })]);
  assert.equal(r.code, 2);
  assert.match(r.err.join('\n'), /unknown key "fusionauth\.signin" \(did you mean "signing"\?\)/);
  const bare = await start(['--port', '0', '--config', file({ directory: { apikey: 'x' } })]);
  assert.equal(bare.code, 2);
  assert.match(bare.err.join('\n'), /unknown key "fusionauth\.directory\.apikey" \(did you mean "apiKey"\?\)/);
});

test('--no-require-api-key, and the config port as the default port', async () => {
  const r = await start(['--port', '0', '--no-require-api-key']);
  assert.equal(r.code, 0);
  assert.match(r.out.join('\n'), /API key not required/);
  // A port held by someone else: the double started from the config must try exactly that one.
  const holder = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => holder.once('listening', r));
  const port = (holder.address() as net.AddressInfo).port;
  try {
    const taken = await start(['--config', file({ requireApiKey: false, port })]);
    assert.equal(taken.code, 2, 'the port from the config is used');
    assert.match(taken.err.join('\n'), new RegExp(`port ${port} is already in use`));
  } finally {
    holder.close();
  }
});

test('directoryWith keeps every field it is not given', () => {
  const d = directoryWith({ applications: { forums: { clientSecret: 'x' } } });
  assert.equal(d.applications.forums.clientSecret, 'x');
  assert.equal(d.applications.forums.id, SEEDED_DIRECTORY.applications.forums.id);
  assert.deepEqual(d.users, SEEDED_DIRECTORY.users);
});
