import { attrFloat } from '../ir/attrs.js';
import { unaryOp } from './common/elementwise.js';

export default unaryOp('LeakyRelu', (node) => {
  const alpha = attrFloat(node, 'alpha', 0.01);
  return (x) => (x >= 0 ? x : alpha * x);
});
