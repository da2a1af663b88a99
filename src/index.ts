export { quantizeModel, type Report } from './pipeline/quantize-model.js';
export { parseOptions, type RunSettings } from './options.js';
export * from './errors.js';
