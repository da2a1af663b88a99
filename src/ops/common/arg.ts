import { attrInt, int, ints } from '../../ir/attrs.js';
import type { Node } from '../../ir/graph.js';
import { UnsupportedOpError } from '../../errors.js';
import { TensorType } from '../../formats/tflite/schema.js';
import type { OpDescriptor } from '../types.js';
import { normAxis, shapeOf, tensorType } from './shape.js';
import { int32s } from '../../convert/lowering/constants.js';
import type { TfliteLowering } from '../../convert/lowering/types.js';

const keeps = (node: Node) => attrInt(node, 'keepdims', 1) === 1;
const axisOf = (node: Node, rank: number) => normAxis(attrInt(node, 'axis', 0), rank) ?? 0;

/**
 * ArgMax/ArgMin: int64 indices along `axis` (kept as 1 unless keepdims = 0). TFLite's ARG_MAX/ARG_MIN
 * drop the axis, so keepdims adds a RESHAPE; select_last_index has no TFLite form.
 */
export function argOp(opType: string, builtin: string): OpDescriptor {
  const tflite = {
    layout: 'agnostic',
    int8: false,
    outputPerm(node, perm) {
      if (keeps(node)) return perm;
      const gone = axisOf(node, perm.length);
      return perm.filter((a) => a !== gone).map((a) => (a > gone ? a - 1 : a));
    },
    lower(node, cx) {
      if (attrInt(node, 'select_last_index', 0) !== 0)
        throw new UnsupportedOpError(
          node.name,
          opType,
          [`${opType} (select_last_index = 0)`],
          'in TFLite conversion',
        );
      const perm = cx.inPerm(0);
      const axis = perm.indexOf(axisOf(node, perm.length));
      const axisName = cx.addConstant(`${builtin.toLowerCase()}_axis_${axis}`, int32s([axis], []));
      const dropped = perm.map((a) => cx.inShape(0)[a]!).filter((_, i) => i !== axis);
      const out = keeps(node) ? cx.addValue(`${node.outputs[0]}_dropped`, 'int64', dropped) : cx.output(0);
      cx.emit(builtin, [cx.input(0), axisName], [out], { output_type: int(TensorType.INT64!) });
      if (!keeps(node)) return;
      const shape = cx.outPerm(0).map((a) => cx.outShape(0)[a]!);
      cx.emit('RESHAPE', [out], [cx.output(0)], { new_shape: ints(shape) });
    },
  } satisfies TfliteLowering;
  return {
    opType,
    outputDType: 'int64',
    inferShapes: (node, ctx) => {
      const shape = shapeOf(ctx.inputTypes[0]);
      if (!shape) return [tensorType('int64')];
      const axis = axisOf(node, shape.length);
      const out = keeps(node)
        ? shape.map((d, i) => (i === axis ? 1 : d))
        : shape.filter((_, i) => i !== axis);
      return [tensorType('int64', out)];
    },
    tflite,
  };
}
