export * from './observed';
export * from './write';
