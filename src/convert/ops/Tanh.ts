import { unary } from './common/elementwise.js';

/** Tanh -> TANH (TFLite int8 spec: output 1/128, 0). */
export default unary('Tanh', 'TANH');
