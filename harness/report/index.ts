export * from './observed';
