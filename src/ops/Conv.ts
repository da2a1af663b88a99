import { attrInts, attrInt, int } from '../ir/attrs.js';
import { shapeOf, withShape } from './common/shape.js';
import { windowDims } from './common/window.js';
import type { OpDescriptor } from './types.js';
import type { Node } from '../ir/graph.js';
import { first } from './common/quant.js';
import { UnsupportedOpError } from '../errors.js';
import { fusedActivationOf } from '../convert/lowering/activation.js';
import { biasTensor, weightTensor } from '../convert/lowering/weights.js';
import { padSpatial, PADDING, tfPadding, windowAttrs, windowOf } from '../convert/lowering/window.js';
import type { LowerContext } from '../convert/lowering/types.js';
import { convLowering } from '../convert/lowering/conv1d.js';

/**
 * Conv -> CONV_2D (filter OHWI, grouped when group > 1) or DEPTHWISE_CONV_2D (group = channels; filter
 * [1, H, W, C*M], per-axis dimension 3). Pads TFLite cannot say become a PAD before a VALID conv.
 */
const tflite = convLowering(lower2d);

function lower2d(node: Node, cx: LowerContext): void {
  const w = cx.constant(1);
  const x = cx.inShape(0);
  if (!w || x.length !== 4) {
    throw new UnsupportedOpError(
      node.name,
      'Conv',
      ['Conv (1-D or 2-D, constant weights)'],
      'in TFLite conversion',
    );
  }
  const [o, perGroup, kh, kw] = w.dims as [number, number, number, number];
  const group = attrInt(node, 'group', 1);
  const depthwise = group > 1 && group === x[1] && perGroup === 1;
  const win = windowOf(node, x.slice(2), [kh, kw]);
  const outHW = cx.outShape(0).slice(2);
  let input = cx.input(0);
  let padding = tfPadding(win, x.slice(2), outHW);
  if (padding === undefined) {
    input = padSpatial(cx, input, win.pads);
    padding = PADDING.VALID;
  }
  const weights = weightTensor(cx, w, depthwise ? [1, 2, 3, 0] : [0, 2, 3, 1], 0);
  const bias = biasTensor(cx, cx.constant(2), o, weights);
  const base = node.inputs[1]!;
  const attrs = {
    ...windowAttrs(win, padding, fusedActivationOf(node)),
    dilation_w_factor: int(win.dilations[1]!),
    dilation_h_factor: int(win.dilations[0]!),
    ...(depthwise ? { depth_multiplier: int(o / group) } : {}),
  };
  cx.emit(
    depthwise ? 'DEPTHWISE_CONV_2D' : 'CONV_2D',
    [
      input,
      cx.addConstant(`${base}_${depthwise ? '1hwo' : 'ohwi'}`, weights),
      cx.addConstant(`${node.inputs[2] || base}_bias`, bias),
    ],
    [cx.output(0)],
    attrs,
  );
}

/** Conv: X [N, C, ...spatial], W [M, C/group, ...kernel] -> [N, M, ...]. */
export default {
  opType: 'Conv',
  inferShapes: (node, ctx) => {
    const x = shapeOf(ctx.inputTypes[0]);
    const w = shapeOf(ctx.inputTypes[1]);
    if (!x || !w) return [withShape(ctx.inputTypes[0], undefined)];
    const kernel = attrInts(node, 'kernel_shape') ?? w.slice(2).map((d) => (typeof d === 'number' ? d : NaN));
    const spatial = windowDims(node, x.slice(2), kernel).map((d) => (Number.isNaN(d) ? null : d));
    return [withShape(ctx.inputTypes[0], [x[0] ?? null, w[0] ?? null, ...spatial])];
  },
  quant: {
    activations: first,
    weight: () => ({ index: 1, axis: 0 }),
    bias: 2,
    accumulates: true,
    output: 'calibrated',
  },
  // W [M, C/group, k...]: output channels on axis 0, a group's input channels on axis 1.
  weightChannels: (node) => ({ index: 1, bias: 2, output: 0, input: 1, groups: attrInt(node, 'group', 1) }),
  tflite,
  int16: true,
} satisfies OpDescriptor;
