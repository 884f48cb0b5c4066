export * from './config';
export * from './contract';
export {
  startTarget,
  stopAll,
  freePort,
  portAnswers,
  groupAlive,
  pidGone,
  listenerPids,
  buildEnv,
  substitute,
  installCleanupHandlers,
  OUTPUT_LIMIT,
  type StartedTarget,
  type StartOptions,
} from './launcher';
