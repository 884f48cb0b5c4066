import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { chromium } from '../prerequisites';
import { runKit, secretLeaks } from './kit-run';
import { assertCatalogued } from '../checks/catalogued';

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
    const prefix = workflow.endsWith('sessions') ? 'WOS' : 'WOJ';
    for (const id of [`${prefix}-3.authorize-request`, `${prefix}-7.state-checked`, `${prefix}-8.code-exchanged-server-side`, `${prefix}-9.id-token-verified`]) {
      assert.ok(verdicts.some((v: any) => v.id === id && v.result === 'pass'), `${id} passed in browser mode`);
    }
    assert.ok(verdicts.some((v: any) => /-(20|24)\.sso-login$/.test(v.id) && v.result === 'pass'), 'the forums logged in from FusionAuth\'s SSO cookie in Chromium');
    assert.deepEqual(secretLeaks(r), [], 'no secret of the run in its report or output');
  });
}
