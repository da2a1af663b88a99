import { attrFloat } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { calibrated } from './common/quant.js';
import { values } from './common/compute.js';
import { floatConstant } from '../convert/lowering/constants.js';
import { reshapeTensor, transposeTensor } from '../convert/layout-math.js';
import { emitNormalization } from '../convert/lowering/normalize.js';
import type { LowerContext, TfliteLowering } from '../convert/lowering/types.js';

/**
 * InstanceNormalization: y = scale[c] (x - mean) / sqrt(var + epsilon) + B[c], mean and var over the
 * spatial axes (2 ..) of each sample and channel.
 */
const epsilon = (node: Node) => attrFloat(node, 'epsilon', 1e-5);

function evaluate(node: Node, inputs: (Tensor | undefined)[]): Tensor[] {
  const [x, scale, bias] = inputs;
  if (!x || !scale || !bias || x.dtype !== 'float32')
    throw new NotEvaluable(node, 'needs float32 x, scale, B');
  const [xs, g, b] = [values(node, x), values(node, scale), values(node, bias)];
  const c = x.dims[1]!;
  const n = x.dims.slice(2).reduce((p, d) => p * d, 1);
  const y = new Float32Array(xs.length);
  for (let r = 0; r < xs.length / n; r++) {
    const row = xs.slice(r * n, (r + 1) * n);
    const mean = row.reduce((p, v) => p + v, 0) / n;
    const k = 1 / Math.sqrt(row.reduce((p, v) => p + (v - mean) ** 2, 0) / n + epsilon(node));
    for (let i = 0; i < n; i++) y[r * n + i] = (row[i]! - mean) * k * g[r % c]! + b[r % c]!;
  }
  return [new Tensor('float32', [...x.dims], y)];
}

/** Per-channel constant input i as [1, C, 1, ...] in the output's layout. */
function channelOperand(cx: LowerContext, i: number): string {
  const t = floatConstant(cx.constant(i)!);
  const rank = cx.outShape(0).length;
  const logical = reshapeTensor(t, [1, t.size, ...new Array<number>(rank - 2).fill(1)]);
  return cx.addConstant(`${cx.node.inputs[i]}_channels`, transposeTensor(logical, cx.outPerm(0)));
}

/**
 * TFLite has no instance norm: the LayerNormalization chain over the spatial axes (MEAN ... RSQRT ...),
 * float between DEQUANTIZE and QUANTIZE in int8 for the same reason as LayerNormalization's.
 */
const tflite = {
  layout: 'agnostic',
  int8: false,
  lower(node, cx) {
    const rank = cx.inShape(0).length;
    const axes = Array.from({ length: rank - 2 }, (_, k) => cx.inPerm(0).indexOf(k + 2)).sort(
      (a, b) => a - b,
    );
    emitNormalization(cx, axes, epsilon(node), channelOperand(cx, 1), channelOperand(cx, 2));
  },
} satisfies TfliteLowering;

export default {
  opType: 'InstanceNormalization',
  inferShapes: (_node, ctx) => [ctx.inputTypes[0]],
  evaluate,
  quant: calibrated,
  tflite,
} satisfies OpDescriptor;
