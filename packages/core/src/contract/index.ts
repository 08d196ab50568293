export * from '../model/host.js';
export * from '../model/instance.js';
export * from './channels.js';
export * from './container-types.js';
export * from './errors.js';
export * from './helper.js';
export * from './names.js';
export * from './specs.js';
