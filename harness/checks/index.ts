export * from './check';
export * from './verifier';
export * from './fusionauth-calls';
export * from './cookies';
export * from './pages';
export * from './attacks';
export * from './sessions';
export * from './spa';
