export * from './dtype.js';
export * from './tensor.js';
export * from './graph.js';
export * from './attrs.js';
export * from './equal.js';
export * from './qparams.js';
