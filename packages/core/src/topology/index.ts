export * from './topology-gather.js';
export * from './topology-graph.js';
