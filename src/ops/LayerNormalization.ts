import { attrFloat, attrInt } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { UnsupportedOpError } from '../errors.js';
import { NotEvaluable, type OpDescriptor } from './types.js';
import { calibrated } from './common/quant.js';
import { normAxis, shapeOf, tensorType } from './common/shape.js';
import { values } from './common/compute.js';
import { operand } from '../convert/lowering/constants.js';
import { emitNormalization } from '../convert/lowering/normalize.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/**
 * LayerNormalization (opset 17): y = (x - mean) / sqrt(var + epsilon) * scale + B, mean and var over the
 * axes from `axis` to the last. Outputs 1 and 2 (Mean, InvStdDev) are the statistics with those axes kept
 * as 1, in `stash_type` (float32).
 */
const epsilon = (node: Node) => attrFloat(node, 'epsilon', 1e-5);

function firstAxis(node: Node, rank: number): number {
  const a = normAxis(attrInt(node, 'axis', -1), rank);
  if (a === undefined)
    throw new Error(`LayerNormalization '${node.name}': axis out of range for rank ${rank}`);
  return a;
}

function evaluate(node: Node, inputs: (Tensor | undefined)[]): Tensor[] {
  const [x, scale, bias] = inputs;
  if (!x || !scale || x.dtype !== 'float32') throw new NotEvaluable(node, 'needs a float32 input and scale');
  const dims = x.dims;
  const axis = firstAxis(node, dims.length);
  const n = dims.slice(axis).reduce((p, d) => p * d, 1);
  const [xs, g, b] = [values(node, x), values(node, scale), bias ? values(node, bias) : undefined];
  const y = new Float32Array(xs.length);
  const rows = xs.length / n;
  const [means, inv] = [new Float32Array(rows), new Float32Array(rows)];
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += xs[r * n + i]!;
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (xs[r * n + i]! - mean) ** 2;
    const k = 1 / Math.sqrt(sq / n + epsilon(node));
    for (let i = 0; i < n; i++)
      y[r * n + i] = (xs[r * n + i]! - mean) * k * g[i % g.length]! + (b ? b[i % b.length]! : 0);
    [means[r], inv[r]] = [mean, k];
  }
  const statDims = dims.map((d, i) => (i < axis ? d : 1));
  return [
    new Tensor('float32', [...dims], y),
    Tensor.float32(statDims, means),
    Tensor.float32(statDims, inv),
  ].slice(0, node.outputs.length);
}

/**
 * TFLite has no layer norm builtin: MEAN, SUB, MUL (the square), MEAN, ADD epsilon, RSQRT, MUL, then MUL
 * scale and ADD B. It runs float between DEQUANTIZE and QUANTIZE even when its input and output are int8:
 * an int8 variance (the square of a difference, with no calibrated range of its own) keeps a few levels
 * of the small variances that matter most, and ONNX Runtime runs the QDQ node float as well, so a float
 * island is what makes the .tflite agree with the .onnx.
 */
const tflite = {
  layout: 'agnostic',
  int8: false,
  lower(node, cx) {
    if (node.outputs.slice(1).some((o) => o !== ''))
      throw new UnsupportedOpError(
        node.name,
        'LayerNormalization',
        ['LayerNormalization (output Y only)'],
        'in TFLite conversion',
      );
    const rank = cx.inShape(0).length;
    const axes = Array.from({ length: rank - firstAxis(node, rank) }, (_, i) => rank - 1 - i)
      .map((a) => cx.inPerm(0).indexOf(a))
      .sort((a, b) => a - b);
    const bias = (node.inputs[2] ?? '') !== '' ? operand(cx, 2) : '';
    emitNormalization(cx, axes, epsilon(node), operand(cx, 1), bias);
  },
} satisfies TfliteLowering;

export default {
  opType: 'LayerNormalization',
  inferShapes: (node, ctx) => {
    const x = ctx.inputTypes[0];
    const shape = shapeOf(x);
    const stat = shape && shape.map((d, i) => (i < firstAxis(node, shape.length) ? d : 1));
    return node.outputs.map((_, i) => (i === 0 ? x : tensorType('float32', stat)));
  },
  evaluate,
  quant: calibrated,
  tflite,
  precisionGroups: ['normalization'],
} satisfies OpDescriptor;
