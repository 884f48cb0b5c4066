export * from './exchange';
export * from './journal';
export * from './redact';
