/**
 * Running workflows: one workflow's cucumber run (`runWorkflow`), its scenarios as shards, the
 * variant matrix, and a whole run of several workflows with its gate and reports
 * (`runWorkflows`). A library: `loginflow run` parses its flags into these calls, and `bench`
 * and `checks --update` call them directly. It prints through harness/report/console.ts and
 * throws LoginflowErrors; only harness/cli/main.ts turns an error into an exit code.
 */
export { Configs } from './configs';
export { failureKind, MessageCollector } from './collector';
export { configFileOrLoaded, mergeVariants, parseVariants, runMatrix, variantTags } from './matrix';
export { dealtBack, DEFAULT_CHROMIUM_SHARDS } from './shards';
export { runWorkflow, type RunWorkflowOptions } from './workflow';
export { runWorkflows, type RunOptions, type RunOutcome } from './run';
