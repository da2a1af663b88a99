/**
 * The declared shapes of operator outputs against what the operator computes from its inputs, for the
 * ops whose rule is plain (TFLite kernels' Prepare): elementwise, convolution, pooling, fully connected,
 * resize. LiteRT sizes a model's output buffers by the declared shapes while its
 * kernels write the computed ones, so a file that disagrees (damaged, or a converter bug) makes it write
 * past a buffer once the tensor is read out (calibration reads every tensor). Tensors with a dynamic
 * dimension (shape_signature -1) are not checked; nor are other ops.
 */
import type { TfliteModel, TfliteOperator, TfliteSubgraph } from './model.js';
import { BUILTIN_OPERATOR_NAMES } from './schema.js';

type Shape = number[];

const SAME_AS_INPUT = new Set(
  'RELU RELU6 RELU_N1_TO_1 LOGISTIC TANH HARD_SWISH LEAKY_RELU LOG EXP SQRT RSQRT ABS NEG ELU GELU QUANTIZE DEQUANTIZE SOFTMAX LOG_SOFTMAX'.split(
    ' ',
  ),
);
const BROADCAST = new Set('ADD SUB MUL DIV MAXIMUM MINIMUM SQUARED_DIFFERENCE POW'.split(' '));

export function checkOutputShapes(m: TfliteModel, fail: (message: string) => never): void {
  m.subgraphs.forEach((sg, s) =>
    sg.operators.forEach((op, o) => {
      const name = BUILTIN_OPERATOR_NAMES[m.operatorCodes[op.opcodeIndex]!.builtinCode] ?? '';
      const shapeOf = (i: number | undefined): Shape | undefined => {
        const t = i === undefined || i < 0 ? undefined : sg.tensors[i];
        return t && !t.shapeSignature?.includes(-1) ? t.shape : undefined;
      };
      const declared = shapeOf(op.outputs[0]);
      if (!declared || op.outputs.length !== 1) return;
      const computed = outputShape(name, op, shapeOf, constantInts(m, sg));
      if (computed && !sameShape(computed, declared)) {
        const t = sg.tensors[op.outputs[0]!]!;
        fail(
          `subgraphs[${s}].operators[${o}] (${name}): output '${t.name}' is declared [${declared}] but the operator computes [${computed}] from its inputs`,
        );
      }
    }),
  );
}

const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

function constantInts(m: TfliteModel, sg: TfliteSubgraph): (i: number | undefined) => number[] | undefined {
  return (i) => {
    const t = i === undefined || i < 0 ? undefined : sg.tensors[i];
    const data = t && m.buffers[t.buffer]?.data;
    if (!t || !data || t.type !== 'INT32' || data.length % 4) return undefined;
    return Array.from({ length: data.length / 4 }, (_, k) =>
      new DataView(data.buffer, data.byteOffset).getInt32(4 * k, true),
    );
  };
}

function outputShape(
  name: string,
  op: TfliteOperator,
  shapeOf: (i: number | undefined) => Shape | undefined,
  ints: (i: number | undefined) => number[] | undefined,
): Shape | undefined {
  const x = shapeOf(op.inputs[0]);
  if (!x) return undefined;
  const opt = (k: string, def = 0): number => Number(op.builtinOptions[k] ?? def);
  if (SAME_AS_INPUT.has(name)) return x;
  if (BROADCAST.has(name)) {
    const y = shapeOf(op.inputs[1]);
    return y && broadcast(x, y);
  }
  if (name === 'CONV_2D' || name === 'DEPTHWISE_CONV_2D') {
    const w = shapeOf(op.inputs[1]);
    if (!w || x.length !== 4 || w.length !== 4) return undefined;
    const channels = name === 'CONV_2D' ? w[0]! : w[3]!;
    return spatial(x, w[1]!, w[2]!, opt('stride_h'), opt('stride_w'), opt('padding'), op, channels);
  }
  if (name === 'AVERAGE_POOL_2D' || name === 'MAX_POOL_2D') {
    if (x.length !== 4) return undefined;
    return spatial(
      x,
      opt('filter_height'),
      opt('filter_width'),
      opt('stride_h'),
      opt('stride_w'),
      opt('padding'),
      op,
      x[3]!,
    );
  }
  if (name === 'FULLY_CONNECTED' && !op.builtinOptions.keep_num_dims) {
    const w = shapeOf(op.inputs[1]);
    const size = x.reduce((a, b) => a * b, 1);
    if (!w || w.length !== 2 || !w[1] || size % w[1] !== 0) return undefined;
    return [size / w[1], w[0]!];
  }
  if (name === 'RESIZE_BILINEAR' || name === 'RESIZE_NEAREST_NEIGHBOR') {
    const size = ints(op.inputs[1]);
    return x.length === 4 && size?.length === 2 ? [x[0]!, size[0]!, size[1]!, x[3]!] : undefined;
  }
  return undefined;
}

function broadcast(a: Shape, b: Shape): Shape | undefined {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** NHWC output of a windowed op: TFLite's SAME (ceil(in / stride)) and VALID padding. */
function spatial(
  x: Shape,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  padding: number,
  op: TfliteOperator,
  channels: number,
): Shape | undefined {
  if (!(sh > 0 && sw > 0 && kh > 0 && kw > 0)) return undefined;
  const dh = Number(op.builtinOptions.dilation_h_factor ?? 1);
  const dw = Number(op.builtinOptions.dilation_w_factor ?? 1);
  const size = (input: number, k: number, d: number, s: number) =>
    padding === 0 ? Math.ceil(input / s) : Math.ceil((input - ((k - 1) * d + 1) + 1) / s);
  return [x[0]!, size(x[1]!, kh, dh, sh), size(x[2]!, kw, dw, sw), channels];
}
