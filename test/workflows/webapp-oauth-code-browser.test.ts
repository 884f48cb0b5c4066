import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { chromium } from '../prerequisites';
import { runKit, secretLeaks } from './kit-run';
import { assertCatalogued } from '../checks/catalogued';
import { workflow as registryEntry } from '../../harness/workflow/registry';

/**
 * Browser mode of the OAuth workflows: a real headless Chromium follows the references'
 * redirects to FusionAuth's hosted form and back, and the references conform there too, with
 * the same check ids as in HTTP mode; a mutant whose defect lives in the browser (the code
 * exchanged by the callback page's own JavaScript) is caught by the JavaScript it really runs.
 */
const skip = chromium.skip('the OAuth workflows in browser mode');
const args = ['--browser', 'chromium'];
const dir = (w: string) => path.resolve(__dirname, '..', '..', 'backends', w);

for (const workflow of ['webapp-oauth-code-sessions', 'webapp-oauth-code-jwt-cookies']) {
  test(`browser mode: the ${workflow} reference passes every MUST and SHOULD`, { skip }, async () => {
    chromium.require();
    const r = await runKit(workflow, path.join(dir(workflow), 'loginflow.json'), 'browser-reference', [...args, '--variant', 'signing=RS256']);
    assert.equal(r.code, 0, r.output);
    assert.deepEqual(r.failing, [], r.output);
    assertCatalogued(workflow, r.summary, 'chromium', false);
    const verdicts = r.summary.workflows[0].scenarios.flatMap((s: any) => s.verdicts);
    const prefix = registryEntry(workflow).prefix;
    for (const id of [`${prefix}-3.authorize-request`, `${prefix}-7.state-checked`, `${prefix}-8.code-exchanged-server-side`, `${prefix}-9.id-token-verified`]) {
      assert.ok(verdicts.some((v: any) => v.id === id && v.result === 'pass'), `${id} passed in browser mode`);
    }
    assert.ok(verdicts.some((v: any) => /-(20|24)\.sso-login$/.test(v.id) && v.result === 'pass'), 'the forums logged in from FusionAuth\'s SSO cookie in Chromium');
    assert.deepEqual(secretLeaks(r), [], 'no secret of the run in its report or output');
  });
}

// The callback page exchanges the code with the client secret in its own JavaScript: in Chromium
// the script really runs (and logs the user in), and the secret in the page and the browser's
// token call are what fails, in the store's and the forums' login alike. (A second user's browser
// is the kit's HTTP browser, which runs no script: that scenario stops at its precondition.)
for (const [workflow, ids] of Object.entries({
  'webapp-oauth-code-sessions': ['WOS-8.code-exchanged-server-side', 'WOS-23.code-exchanged-server-side'],
  'webapp-oauth-code-jwt-cookies': ['WOJ-8.code-exchanged-server-side', 'WOJ-27.code-exchanged-server-side'],
})) {
  test(`browser mode: ${workflow} mutant code-exchanged-in-browser is caught by ${ids.join(', ')}`, { skip }, async () => {
    chromium.require();
    const r = await runKit(workflow, path.join(dir(workflow), 'mutants', 'code-exchanged-in-browser.json'), 'browser-code-exchanged-in-browser', [...args, '--variant', 'signing=RS256']);
    assert.equal(r.code, 1, r.output);
    assert.deepEqual([...r.failing].sort(), [...ids].sort(), `exactly ${ids.join(', ')} should fail; failing: ${r.failing.join(', ')}\n${r.output}`);
    assert.deepEqual(secretLeaks(r), [], 'no secret of the run in its report or output');
  });
}
