import { attrFloat, attrInts, attrString } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { constInts, normAxis, shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { passThrough } from './common/quant.js';
import { UnsupportedOpError } from '../errors.js';
import { int32s } from '../convert/lowering/constants.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

export interface PadParams {
  mode: string;
  /** Begin pads of every axis, then end pads (as the ONNX `pads` layout). */
  pads: number[];
  value: number;
}

/**
 * Pad-2 has `pads` and `value` attributes; Pad-11+ takes pads (input 1), constant_value (input 2) and,
 * from Pad-18, axes (input 3). Undefined when something is not constant.
 */
export function padParams(
  node: Node,
  constant: (name: string) => Tensor | undefined,
  rank: number,
): PadParams | undefined {
  const mode = attrString(node, 'mode', 'constant');
  const attr = attrInts(node, 'pads');
  if (attr) return { mode, pads: attr, value: attrFloat(node, 'value', 0) };
  const c = (i: number) => (node.inputs[i] ? constant(node.inputs[i]!) : undefined);
  const raw = constInts(c(1));
  if (!raw) return undefined;
  const valueName = node.inputs[2];
  const valueT = valueName ? c(2) : undefined;
  if (valueName && (!valueT || Array.isArray(valueT.data))) return undefined;
  const value = valueT ? valueT.toNumbers()[0]! : 0;
  let pads = raw;
  if (node.inputs[3]) {
    const axes = constInts(c(3));
    if (!axes) return undefined;
    pads = new Array<number>(2 * rank).fill(0);
    axes.forEach((a, i) => {
      const k = normAxis(a, rank)!;
      pads[k] = raw[i]!;
      pads[k + rank] = raw[i + axes.length]!;
    });
  }
  return { mode, pads, value };
}

/**
 * Pad (constant mode, value 0) -> PAD; Pad (reflect mode: audio front-ends pad frames so) -> MIRROR_PAD
 * REFLECT. Paddings are in the input's physical order. int8 pads with the zero point, which is real 0
 * (TFLite int8 spec: PAD shares input and output parameters); a mirror only copies values.
 */
const tflite = {
  layout: 'agnostic',
  int8: true,
  lower(node, cx) {
    const pads = cx.constant(1)?.toNumbers();
    const value = cx.constant(2)?.toFloat32()[0] ?? 0;
    const axes = cx.constant(3)?.toNumbers();
    const mode = attrString(node, 'mode', 'constant');
    const supported = mode === 'reflect' || (mode === 'constant' && value === 0);
    if (!pads || !supported || axes) {
      throw new UnsupportedOpError(
        node.name,
        'Pad',
        ['Pad (constant mode with value 0 or reflect mode, constant pads)'],
        'in TFLite conversion',
      );
    }
    const rank = cx.inShape(0).length;
    const physical = cx.inPerm(0).flatMap((a) => [pads[a]!, pads[a + rank]!]);
    const paddings = cx.addConstant(`${node.inputs[1]}_paddings`, int32s(physical, [rank, 2]));
    if (mode === 'reflect')
      cx.emit('MIRROR_PAD', [cx.input(0), paddings], [cx.output(0)], { mode: { kind: 'int', value: 0 } });
    else cx.emit('PAD', [cx.input(0), paddings], [cx.output(0)]);
  },
} satisfies TfliteLowering;

export default {
  opType: 'Pad',
  inferShapes: (node, ctx) => {
    const shape = shapeOf(ctx.inputTypes[0]);
    const byName = new Map(node.inputs.map((n, i) => [n, ctx.constants[i]]));
    const p = shape && padParams(node, (n) => byName.get(n), shape.length);
    if (!shape || !p || p.pads.length !== 2 * shape.length) return [withShape(ctx.inputTypes[0], undefined)];
    const r = shape.length;
    return [
      withShape(
        ctx.inputTypes[0],
        shape.map((d, k) => (typeof d === 'number' ? d + p.pads[k]! + p.pads[k + r]! : null)),
      ),
    ];
  },
  quant: passThrough,
  tflite,
} satisfies OpDescriptor;
