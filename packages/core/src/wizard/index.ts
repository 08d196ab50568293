// The VM wizard: answers, the pure model and diff, and the service on this host.
export * from './answers.js';
export * from './defaults.js';
export * from './line-diff.js';
export * from './wizard.js';
export * from './wizard-service.js';
