// Nova's Prometheus exporter (node only): config, the exporter itself, its HTTP(S) server.
export * from './config.js';
export * from './exporter.js';
export * from './server.js';
