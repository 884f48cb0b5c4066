export * from './expected-failures';
export * from './gate';
