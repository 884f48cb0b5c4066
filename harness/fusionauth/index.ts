export * from './directory';
export * from './double';
export { CALLER_HEADER, RELAY_MAX_BODY, type Relay } from './relay';
export * from './catalogue';
export * from './cors';
export * from './oauth';
