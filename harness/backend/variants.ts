/**
 * Every variant a run can be made in, with its values: the config schema's `variants`,
 * `--variant`, the run matrix and the double's settings all read this table.
 * - `run`: one cucumber run per declared value (the product over these is the run matrix);
 * - `outline`: covered inside the feature as a scenario outline, one example per value; a
 *   config that declares a single value has it in force for the whole run.
 */
export const VARIANTS = {
  signing: { values: ['HS256', 'RS256'], scope: 'run' },
  refreshEndpoint: { values: ['/api/jwt/refresh', '/oauth2/token'], scope: 'run' },
  refreshFailureStatus: { values: [400, 404], scope: 'outline' },
  refreshTokenPolicy: { values: ['Reusable', 'OneTimeUse'], scope: 'outline' },
} as const satisfies Record<string, { values: readonly (string | number)[]; scope: 'run' | 'outline' }>;

export type VariantName = keyof typeof VARIANTS;
export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

/** A run-level variant in force: at most one value of each variant. */
export type RunVariant = { -readonly [K in VariantName]?: (typeof VARIANTS)[K]['values'][number] };
