export { quantizeModel, type Report } from './pipeline.js';
export { parseOptions, type QuantizeOptions } from './options.js';
export * from './errors.js';
