import { binary } from './common/elementwise.js';

/** Sub -> SUB (int8 kernel; takes a fused RELU/RELU6). */
export default binary('Sub', 'SUB');
