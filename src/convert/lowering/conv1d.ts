import { storedType } from '../quant-util.js';
import { attrInts, ints } from '../../ir/attrs.js';
import type { Attribute, Node } from '../../ir/graph.js';
import { reshapeTensor } from '../layout-math.js';
import type { LowerContext, TfliteLowering } from './types.js';

/** Per-axis attributes of a 1-D window, and what the added H axis (size 1) takes. */
const WINDOW_ATTRS: Record<string, number> = {
  kernel_shape: 1,
  strides: 1,
  dilations: 1,
  output_padding: 0,
};

/**
 * The lowering of a convolution whose 2-D form is `lower2d`: channels-last, int8, fusable, and 1-D inputs
 * ([N, C, L]) lowered through the 2-D form (lowerAs2d).
 */
export function convLowering(lower2d: (node: Node, cx: LowerContext) => void): TfliteLowering {
  return {
    layout: 'spatial',
    spatialRanks: [3, 4],
    int8: true,
    fusable: () => true,
    lower: (node, cx) => (cx.inShape(0).length === 3 ? lowerAs2d(node, cx, lower2d) : lower2d(node, cx)),
  };
}

/**
 * A 1-D Conv/ConvTranspose ([N, C, L], stored channels-last [N, L, C]) lowered as the 2-D op on
 * [N, C, 1, L]: the layout pass stores the input [N, L, C], whose bytes are those of NHWC [N, 1, L, C],
 * so a RESHAPE in and one out (no data moved) wrap the 2-D builtin; weights [M, C, k] become [M, C, 1, k]
 * and every window attribute gains the H axis (kernel 1, stride 1, no pads).
 */
export function lowerAs2d(
  node: Node,
  cx: LowerContext,
  lower2d: (node: Node, cx: LowerContext) => void,
): void {
  const [n, c, l] = cx.inShape(0) as [number, number, number];
  const [, m, lo] = cx.outShape(0) as [number, number, number];
  const inParams = cx.inParams(0);
  const outParams = cx.outParams(0);
  const x4 = cx.addValue(`${node.inputs[0]}_h1`, storedType(inParams), [n, 1, l, c], inParams);
  cx.emit('RESHAPE', [cx.input(0)], [x4], { new_shape: ints([n, 1, l, c]) });
  const y4 = cx.addValue(`${node.outputs[0]}_h1`, storedType(outParams), [n, 1, lo, m], outParams);
  const inner = asTwoD(cx, x4, y4, [n, c, 1, l], [n, m, 1, lo]);
  lower2d(twoDNode(node), inner);
  cx.emit('RESHAPE', [y4], [cx.output(0)], { new_shape: ints([n, lo, m]) });
}

/** The node with 2-D window attributes: H first (kernel 1, stride 1, dilation 1, no padding). */
function twoDNode(node: Node): Node {
  const attrs: Record<string, Attribute> = { ...node.attrs };
  for (const [name, h] of Object.entries(WINDOW_ATTRS)) {
    const v = attrInts(node, name);
    if (v) attrs[name] = ints([h, v[0]!]);
  }
  const pads = attrInts(node, 'pads');
  if (pads) attrs.pads = ints([0, pads[0]!, 0, pads[1]!]);
  const shape = attrInts(node, 'output_shape');
  if (shape) attrs.output_shape = ints([1, shape[shape.length - 1]!]);
  return { ...node, attrs };
}

/** The context as the 2-D op sees it: input 0 and output 0 are the 4-D views, weights [O, I, 1, k]. */
function asTwoD(
  cx: LowerContext,
  x4: string,
  y4: string,
  inShape: number[],
  outShape: number[],
): LowerContext {
  const nhwc = [0, 2, 3, 1];
  return {
    node: cx.node,
    int8: cx.int8,
    state: cx.state,
    input: (i) => (i === 0 ? x4 : cx.input(i)),
    output: (i) => (i === 0 ? y4 : cx.output(i)),
    constant: (i) => {
      const t = cx.constant(i);
      if (i !== 1 || !t || t.dims.length !== 3) return t;
      return reshapeTensor(t, [t.dims[0]!, t.dims[1]!, 1, t.dims[2]!]);
    },
    inShape: (i) => (i === 0 ? inShape : cx.inShape(i)),
    outShape: (i) => (i === 0 ? outShape : cx.outShape(i)),
    inPerm: (i) => (i === 0 ? nhwc : cx.inPerm(i)),
    outPerm: (i) => (i === 0 ? nhwc : cx.outPerm(i)),
    inParams: (i) => cx.inParams(i),
    outParams: (i) => cx.outParams(i),
    emit: (op, ins, outs, attrs) => cx.emit(op, ins, outs, attrs),
    addConstant: (base, t) => cx.addConstant(base, t),
    addValue: (base, dtype, shape, params) => cx.addValue(base, dtype, shape, params),
    alias: (i, name) => cx.alias(i, name),
  };
}
