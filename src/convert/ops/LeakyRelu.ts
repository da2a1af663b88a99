import { attrFloat, float } from '../../ir/attrs.js';
import { unary } from './common/elementwise.js';

/** LeakyRelu -> LEAKY_RELU with its alpha. */
export default unary('LeakyRelu', 'LEAKY_RELU', (node) => ({ alpha: float(attrFloat(node, 'alpha', 0.01)) }));
