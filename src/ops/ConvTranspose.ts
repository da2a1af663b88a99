import { attrInt, attrInts, attrString } from '../ir/attrs.js';
import type { Dim } from '../ir/graph.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { first } from './common/quant.js';

/**
 * ConvTranspose: W [C, M/group, ...kernel]; spatial out = stride * (in - 1) + output_padding +
 * (kernel - 1) * dilation + 1 - pad_begin - pad_end, `output_shape` when given, in * stride under SAME_*.
 */
export default {
  opType: 'ConvTranspose',
  inferShapes: (node, ctx) => {
    const x = shapeOf(ctx.inputTypes[0]);
    const w = shapeOf(ctx.inputTypes[1]);
    if (!x || !w) return [withShape(ctx.inputTypes[0], undefined)];
    const n = x.length - 2;
    const group = attrInt(node, 'group', 1);
    const m = typeof w[1] === 'number' ? w[1] * group : null;
    const given = attrInts(node, 'output_shape');
    if (given) return [withShape(ctx.inputTypes[0], [x[0] ?? null, m, ...given.slice(-n)])];
    const kernel = attrInts(node, 'kernel_shape') ?? w.slice(2);
    const strides = attrInts(node, 'strides') ?? new Array<number>(n).fill(1);
    const dil = attrInts(node, 'dilations') ?? new Array<number>(n).fill(1);
    const pads = attrInts(node, 'pads') ?? new Array<number>(2 * n).fill(0);
    const outPad = attrInts(node, 'output_padding') ?? new Array<number>(n).fill(0);
    const same = attrString(node, 'auto_pad', 'NOTSET').startsWith('SAME');
    const spatial: Dim[] = x.slice(2).map((d, i) => {
      const k = kernel[i];
      if (typeof d !== 'number' || typeof k !== 'number') return null;
      if (same) return d * strides[i]!;
      return strides[i]! * (d - 1) + outPad[i]! + (k - 1) * dil[i]! + 1 - pads[i]! - pads[i + n]!;
    });
    return [withShape(ctx.inputTypes[0], [x[0] ?? null, m, ...spatial])];
  },
  quant: {
    activations: first,
    // Per output channel: W's axis 1 when there is one group (with several, axis 1 holds each group's
    // channels and the scales would be shared across groups: per-tensor then).
    weight: (node) => ({ index: 1, axis: attrInt(node, 'group', 1) === 1 ? 1 : -1 }),
    bias: 2,
    output: 'calibrated',
  },
} satisfies OpDescriptor;
