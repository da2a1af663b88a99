import { attrInt, int } from '../ir/attrs.js';
import type { OpDescriptor } from './types.js';
import { reduceOp } from './common/reduce.js';
import { calibrated } from './common/quant.js';
import { ActivationFunctionType } from '../formats/tflite/schema.js';
import { int32s } from '../convert/lowering/constants.js';
import { reduceLowering, reducedAxes } from '../convert/lowering/reduce.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/**
 * ReduceL2 = sqrt(sum of squares): TFLite has no builtin, so MUL(x, x), SUM over the axes, SQRT; float
 * between DEQUANTIZE and QUANTIZE in int8 (SQRT has no int8 kernel). Layout as ReduceSum's.
 */
const tflite = {
  ...reduceLowering('SUM', undefined, false),
  lower(node, cx) {
    const x = cx.input(0);
    const physical = (shape: number[], perm: number[]) => perm.map((a) => shape[a]!);
    const squared = cx.addValue(
      `${node.outputs[0]}_squared`,
      'float32',
      physical(cx.inShape(0), cx.inPerm(0)),
    );
    cx.emit('MUL', [x, x], [squared], { fused_activation_function: int(ActivationFunctionType.NONE) });
    const rank = cx.inShape(0).length;
    const axes = reducedAxes(node, rank, (i) => cx.constant(i)?.toNumbers()).map((a) =>
      cx.inPerm(0).indexOf(a),
    );
    const total = cx.addValue(`${node.outputs[0]}_sum`, 'float32', physical(cx.outShape(0), cx.outPerm(0)));
    const axesName = cx.addConstant(`reducel2_axes_${axes.join('_')}`, int32s(axes));
    cx.emit('SUM', [squared, axesName], [total], { keep_dims: int(attrInt(node, 'keepdims', 1)) });
    cx.emit('SQRT', [total], [cx.output(0)]);
  },
} satisfies TfliteLowering;

export default {
  ...reduceOp('ReduceL2'),
  quant: calibrated,
  tflite,
  nonNegative: 'always',
} satisfies OpDescriptor;
