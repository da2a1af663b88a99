export { quantizeModel, type Report } from './pipeline/quantize-model.js';
export { parseOptions, type QuantizeOptions } from './options.js';
export * from './errors.js';
