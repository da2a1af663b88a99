import { unary } from './common/elementwise.js';

/** Sigmoid -> LOGISTIC (TFLite int8 spec: output 1/256, -128). */
export default unary('Sigmoid', 'LOGISTIC');
