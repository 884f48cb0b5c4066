export * from './diagram';
export * from './feature';
export * from './traceability';
