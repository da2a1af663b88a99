import { unary } from './common/elementwise.js';

/** Relu -> RELU (one not fused into the op before it). */
export default unary('Relu', 'RELU');
