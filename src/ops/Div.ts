import { binaryOp } from './common/elementwise.js';
import { divide } from './common/compute.js';
export default binaryOp('Div', (a, b, dtype) => divide(a, b, dtype));
