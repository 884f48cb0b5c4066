/**
 * The applications a config may declare, by name: shared by the config loader (which reads
 * them), the runner (which records which were declared) and the report (which draws a
 * single-app run as one), so the report needs nothing of harness/backend.
 */
export const TARGET_NAMES = ['store', 'forums'] as const;
export type TargetName = (typeof TARGET_NAMES)[number];

/** Reason of the not-applicable verdicts for the second application, when only one is declared. */
export const ONE_APP_REASON = 'one application declared (the config has no "forums")';
