// Pure entry point of @nova/core: no I/O, safe for the renderer.
export * from './contract/index.js';
export * from './instances/instance-manager.js';
export * from './instances/vm-actions.js';
export * from './networks/network-validate.js';
export * from './novafile/format.js';
export * from './novafile/read.js';
export * from './novafile/schema.js';
export * from './novafile/semantics.js';
export { formatSize, parseSize } from './novafile/units.js';
export * from './templates/types.js';
export { NOVA_VERSION } from './version.js';
