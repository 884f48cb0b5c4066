export * from './directory';
export * from './double';
export { CALLER_HEADER, RELAY_MAX_BODY, type Relay } from './relay';
export * from './catalogue';
export * from './cors';
export * from './oauth';
export { HOSTED_FORM_HIDDEN_FIELDS } from './api/hosted-pages';
export { ROUTES, type Route } from './routes';
export { signingKeys, type KeyMaterial, type SigningKeys } from './keys';
