// Network management for the CLI and the backend (node); the pure validator is in @nova/core itself.
export * from './container-membership.js';
export * from './host-probe.js';
export * from './network-model.js';
export * from './network-service.js';
