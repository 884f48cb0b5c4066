export * from './observed';
export * from './write';
export * from './render';
export { renderIndex } from './html';
export { renderWorkflowPage } from './html-workflow';
export { type Badge, badgeOf, failures, tally, workflowBadge } from './conformance';
export { verdictRows } from './verdict-rows';
export { renderJUnit } from './junit';
