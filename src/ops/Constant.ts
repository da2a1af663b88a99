import { constantNodeValue } from '../ir/graph.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { tensorType } from './common/shape.js';

export default {
  opType: 'Constant',
  inferShapes: (node) => {
    const t = constantNodeValue(node);
    return [t ? tensorType(t.dtype, [...t.dims]) : undefined];
  },
  evaluate: (node) => {
    const t = constantNodeValue(node);
    if (!t) throw new NotEvaluable(node, 'sparse or string constant');
    return [t];
  },
} satisfies OpDescriptor;
