import { storedType } from '../convert/quant-util.js';
import { attrInt, attrInts, attrString, int } from '../ir/attrs.js';
import type { Dim, Node } from '../ir/graph.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { first } from './common/quant.js';
import { UnsupportedOpError } from '../errors.js';
import { fusedActivationOf } from '../convert/lowering/activation.js';
import { int32s } from '../convert/lowering/constants.js';
import { emitStridedSlice } from '../convert/lowering/slice.js';
import { PADDING } from '../convert/lowering/window.js';
import { biasTensor, weightTensor } from '../convert/lowering/weights.js';
import type { LowerContext } from '../convert/lowering/types.js';
import { convLowering } from '../convert/lowering/conv1d.js';

const SUPPORTED = [
  'ConvTranspose (1-D or 2-D, constant weights, group 1, dilations 1, pads or auto_pad rather than output_shape)',
];

/**
 * ConvTranspose -> TRANSPOSE_CONV (inputs: output shape int32 NHWC, weights OHWI, input, bias; TFLite int8
 * spec: weights symmetric per-axis on dimension 0, int32 bias at s_in * s_w). ONNX W is [C, M, kH, kW]
 * (output channels on axis 1), so OHWI is W permuted [1, 2, 3, 0].
 *
 * With F = stride * (in - 1) + k the full (uncropped) extent, ONNX's output index o reads the full result
 * at o + pad_begin; rows past F (output_padding) get the bias only. TFLite's TRANSPOSE_CONV computes the
 * same from its output shape H: VALID reads the full result at o (rows past F: bias only), SAME at
 * o + floor((F - H) / 2) (for ceil(H / stride) = in). So pads TFLite's SAME says take SAME, no pads at the
 * start take VALID, and any other pads a VALID op of extent max(F, out + pad_begin) then a STRIDED_SLICE
 * [pad_begin, pad_begin + out).
 */
const tflite = convLowering(lower2d);

function lower2d(node: Node, cx: LowerContext): void {
  const w = cx.constant(1);
  const x = cx.inShape(0);
  const y = cx.outShape(0);
  if (!w || x.length !== 4 || w.dims.length !== 4)
    refuse(node, 'needs 1-D or 2-D input and constant weights');
  const [c, m, kh, kw] = w!.dims as [number, number, number, number];
  const group = attrInt(node, 'group', 1);
  if (group !== 1) refuse(node, `group = ${group}: TFLite's TRANSPOSE_CONV has no groups`);
  const dilations = attrInts(node, 'dilations', [1, 1]);
  if (dilations.some((d) => d !== 1))
    refuse(node, `dilations = [${dilations.join(', ')}]: TFLite's TRANSPOSE_CONV has no dilation`);
  if (c !== x[1] || y[1] !== m)
    refuse(node, `weights [${w!.dims.join(', ')}] do not fit input [${x.join(', ')}]`);
  const strides = attrInts(node, 'strides', [1, 1]);
  const kernel = [kh, kw];
  const inHW = x.slice(2);
  const outHW = y.slice(2);
  const full = inHW.map((n, i) => strides[i]! * (n - 1) + kernel[i]!);
  const begin = padBegin(node, inHW, outHW, full);

  const same = inHW.every(
    (n, i) => Math.ceil(outHW[i]! / strides[i]!) === n && begin[i] === Math.floor((full[i]! - outHW[i]!) / 2),
  );
  // VALID with an extent short of the full result is not computed right by every kernel (TFLite's
  // optimized col2im derives the input size from it): such pads take the slice instead.
  const valid = begin.every((b, i) => b === 0 && outHW[i]! >= full[i]!);
  // The extent TRANSPOSE_CONV writes: what the output needs of the full result, at least all of it.
  const extent = same || valid ? outHW : full.map((f, i) => Math.max(f, outHW[i]! + begin[i]!));
  // Fewer than stride rows past the full extent, as ONNX's output_padding (< stride) allows.
  if (extent.some((e, i) => e - full[i]! >= strides[i]!))
    refuse(node, 'output extends a stride or more past the input');

  const [n] = x as [number];
  const weights = weightTensor(cx, w!, [1, 2, 3, 0], 1);
  const bias = biasTensor(cx, cx.constant(2), m, weights);
  const base = node.inputs[1]!;
  const sliced = !same && !valid;
  const params = cx.outParams(0);
  const out = sliced
    ? cx.addValue(`${node.outputs[0]}_full`, storedType(params), [n, extent[0]!, extent[1]!, m], params)
    : cx.output(0);
  cx.emit(
    'TRANSPOSE_CONV',
    [
      cx.addConstant(`${node.outputs[0]}_output_shape`, int32s([n, extent[0]!, extent[1]!, m])),
      cx.addConstant(`${base}_ohwi`, weights),
      cx.input(0),
      cx.addConstant(`${node.inputs[2] || base}_bias`, bias),
    ],
    [out],
    {
      padding: int(same && !valid ? PADDING.SAME : PADDING.VALID),
      stride_w: int(strides[1]!),
      stride_h: int(strides[0]!),
      fused_activation_function: int(fusedActivationOf(node)),
    },
  );
  if (sliced) sliceOut(cx, out, begin, outHW);
}

function refuse(node: Node, why: string): never {
  throw new UnsupportedOpError(node.name, 'ConvTranspose', SUPPORTED, `in TFLite conversion (${why})`);
}

/**
 * The rows (and columns) of the full result before the output's first: pads[begin], or what auto_pad
 * derives from the total.
 */
function padBegin(node: Node, inHW: number[], outHW: number[], full: number[]): number[] {
  // ONNX Runtime and the ONNX spec split an odd total differently when output_shape is given.
  if (attrInts(node, 'output_shape'))
    refuse(
      node,
      'the output_shape attribute: give pads (ONNX Runtime and the spec place its padding differently)',
    );
  const auto = attrString(node, 'auto_pad', 'NOTSET');
  if (auto === 'NOTSET') {
    const pads = attrInts(node, 'pads', [0, 0, 0, 0]);
    return [pads[0]!, pads[1]!];
  }
  if (auto === 'VALID') return [0, 0];
  // SAME_*: the output is in * stride; SAME_UPPER puts the odd row at the end.
  const outPad = attrInts(node, 'output_padding', [0, 0]);
  return inHW.map((_, i) => {
    const total = Math.max(0, full[i]! + outPad[i]! - outHW[i]!);
    return auto === 'SAME_LOWER' ? Math.ceil(total / 2) : Math.floor(total / 2);
  });
}

/** The output: rows [begin, begin + out) of the full result, in the output's NHWC layout. */
function sliceOut(cx: LowerContext, full: string, begin: number[], outHW: number[]): void {
  const [n, c] = [cx.outShape(0)[0]!, cx.outShape(0)[1]!];
  const [b0, b1] = [begin[0]!, begin[1]!];
  const slice = { begin: [0, b0, b1, 0], end: [n, b0 + outHW[0]!, b1 + outHW[1]!, c], strides: [1, 1, 1, 1] };
  emitStridedSlice(cx, full, slice, cx.output(0));
}

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
    accumulates: true,
    output: 'calibrated',
  },
  tflite,
} satisfies OpDescriptor;
