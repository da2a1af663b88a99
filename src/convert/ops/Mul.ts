import { binary } from './common/elementwise.js';

/** Mul -> MUL (int8 kernel; takes a fused RELU/RELU6). */
export default binary('Mul', 'MUL');
