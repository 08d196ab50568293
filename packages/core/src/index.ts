// Pure entry point of @nova/core: no I/O, safe for the renderer.
export * from './contract/index.js';
export * from './instances/instance-manager.js';
export { NOVA_VERSION } from './version.js';
