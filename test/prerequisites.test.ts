import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, plantuml, underCi } from './prerequisites';

/** The rule itself: locally a skip that says what and how; under CI no skip, a failure with the install line. */
function withEnv(env: Record<string, string | undefined>, fn: () => void): void {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  try {
    fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  }
}

test('CI is on for CI=true or 1, off for unset, false or 0', () => {
  assert.deepEqual([underCi({ CI: 'true' }), underCi({ CI: '1' }), underCi({}), underCi({ CI: 'false' }), underCi({ CI: '0' }), underCi({ CI: '' })], [true, true, false, false, false, false]);
});

test('a missing Chromium: locally a skip naming LOGINFLOW_CHROMIUM\'s path and how to enable; under CI a failure with the install line', () => {
  withEnv({ LOGINFLOW_CHROMIUM: '/nowhere/chromium', CI: undefined }, () => {
    assert.equal(chromium.available(), false);
    assert.equal(chromium.skip('the browser tests'), 'SKIPPED the browser tests: no Chromium at /nowhere/chromium (LOGINFLOW_CHROMIUM); to run it: apt-get install -y chromium, or set LOGINFLOW_CHROMIUM=/path/to/chromium');
    assert.throws(() => chromium.require(), /^Error: CI=true and no Chromium at \/nowhere\/chromium \(LOGINFLOW_CHROMIUM\): install it \(apt-get install -y chromium/);
  });
  withEnv({ LOGINFLOW_CHROMIUM: '/nowhere/chromium', CI: 'true' }, () => {
    assert.equal(chromium.skip('the browser tests'), false, 'under CI the test runs, and fails');
  });
  withEnv({ LOGINFLOW_CHROMIUM: process.execPath, CI: undefined }, () => {
    assert.equal(chromium.skip('x'), false, 'present: runs');
    chromium.require();
  });
});

test('no local PlantUML: the rendering tests are skipped loudly, or fail under CI', () => {
  withEnv({ PATH: '/nonexistent', PLANTUML_JAR: undefined, LOGINFLOW_NO_RENDER: undefined, CI: undefined }, () => {
    assert.equal(plantuml.available(), false);
    assert.match(String(plantuml.skip('the SVG test')), /^SKIPPED the SVG test: no local PlantUML renderer \(no Java PlantUML found .*\); to run it: apt-get install -y plantuml, or set PLANTUML_JAR=/);
    assert.throws(() => plantuml.require(), /CI=true and no local PlantUML renderer/);
  });
  withEnv({ PATH: '/nonexistent', PLANTUML_JAR: undefined, CI: 'true' }, () => assert.equal(plantuml.skip('the SVG test'), false));
});
