import { binary } from './common/elementwise.js';

/** Add -> ADD (int8 kernel; takes a fused RELU/RELU6). */
export default binary('Add', 'ADD');
