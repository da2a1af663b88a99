import { makeTensor, values } from './common/compute.js';
import { dtypeOf, tensorType } from './common/shape.js';
import type { OpDescriptor } from './types.js';

/** Range-11: number of elements = max(ceil((limit - start) / delta), 0). */
export default {
  opType: 'Range',
  inferShapes: (_node, ctx) => {
    const dtype = dtypeOf(ctx.inputTypes[0]);
    const [s, l, d] = ctx.constants.map((t) => t?.toNumbers()[0]);
    const n = s !== undefined && l !== undefined && d ? Math.max(Math.ceil((l - s) / d), 0) : null;
    return [dtype ? tensorType(dtype, [n]) : undefined];
  },
  evaluate: (node, inputs) => {
    const [s, l, d] = inputs.map((t) => values(node, t)[0]!);
    const n = Math.max(Math.ceil((l! - s!) / d!), 0);
    return [
      makeTensor(
        inputs[0]!.dtype,
        [n],
        Array.from({ length: n }, (_, i) => s! + i * d!),
      ),
    ];
  },
} satisfies OpDescriptor;
