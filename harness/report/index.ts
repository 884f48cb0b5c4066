export * from './observed';
export * from './write';
export * from './render';
export { renderIndex } from './html';
export { renderJUnit } from './junit';
