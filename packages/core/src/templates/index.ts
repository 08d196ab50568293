// The template gallery: registries, provenance checks and deploying. Node-only.
export * from './builtin.js';
export * from './catalog.js';
export * from './config.js';
export * from './deploy.js';
export * from './deploy-stack.js';
export * from './download.js';
export * from './minisign.js';
export * from './provenance.js';
export * from './registry.js';
export * from './trust.js';
export * from './types.js';
export * from './verify.js';
