import type * as messages from '@cucumber/messages';
import { ONE_APP_REASON, type LoadedConfig } from '../backend/config';
import { defineCheck, notApplicable, type Verdict } from '../checks';
import { stepRefs } from '../spec/feature';
import { idPrefix, workflowOf } from './pool';

/**
 * Which scenarios have no subject for the app a config describes. A config that declares
 * one application (only "store") has no forums: the scenarios about a second application
 * (no SSO between the two, the other app's cookies untouched) are not applicable, said as one
 * N/A verdict per scenario that names the steps it would have exercised.
 */

/** A step about the second application, not the Background that merely names both. */
const SECOND_APP_STEP = /\b(the forums(?!' application| application| are running)|forum posts|forums' app)\b/;

export function needsSecondApp(pickle: messages.Pickle): boolean {
  if (pickle.tags.some((t) => t.name === '@second-app')) return true;
  return pickle.steps.some((s) => !/are running against the FusionAuth double/.test(s.text) && SECOND_APP_STEP.test(s.text));
}

export const secondAppDeclared = defineCheck<{ scenario: string }>({
  kind: 'second-app',
  name: 'secondApplicationDeclared',
  level: 'MUST',
  ensures: (a) => `"${a.scenario}" runs against a second application (the forums) on its own host`,
  evaluate: () => notApplicable(ONE_APP_REASON),
});

/** The not-applicable verdict of a scenario that needs an application the config does not declare, or undefined. */
export function inapplicable(config: LoadedConfig, doc: messages.GherkinDocument, pickle: messages.Pickle): Verdict | undefined {
  if (config.forums || !needsSecondApp(pickle)) return undefined;
  const workflow = workflowOf(doc);
  // The scenario's own steps: a Background's (the URL checks every scenario runs) name no arrow of its.
  const background = new Set(backgroundStepIds(doc));
  const own = pickle.steps.filter((s) => !s.astNodeIds.some((id) => background.has(id)));
  const steps = [...new Set(own.flatMap((s) => stepRefs(s.text)))].sort((a, b) => a - b);
  return {
    id: `${idPrefix(workflow, doc.feature?.tags.map((t) => t.name))}-${steps[0] ?? 0}.${secondAppDeclared.kind}`,
    name: secondAppDeclared.name,
    level: secondAppDeclared.level,
    steps,
    workflow,
    scenario: pickle.name,
    result: 'na',
    ok: true,
    expected: secondAppDeclared.ensures({ scenario: pickle.name }),
    actual: ONE_APP_REASON,
    reason: ONE_APP_REASON,
    declaredBy: 'forums',
    evidence: [],
  };
}

/** Ids of every Background step of the feature and of its rules. */
function backgroundStepIds(doc: messages.GherkinDocument): string[] {
  const out: string[] = [];
  const visit = (children: readonly { background?: messages.Background; rule?: messages.Rule }[] | undefined) => {
    for (const c of children ?? []) {
      if (c.background) out.push(...c.background.steps.map((s) => s.id));
      if (c.rule) visit(c.rule.children);
    }
  };
  visit(doc.feature?.children);
  return out;
}
