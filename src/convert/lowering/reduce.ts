import { attrInt, attrInts, int } from '../../ir/attrs.js';
import type { Node } from '../../ir/graph.js';
import type { ConvState } from '../types.js';
import type { LowerContext, TfliteLowering } from './types.js';
import { int32s } from './constants.js';

/** The logical axes a reduction reduces (attribute before opset 18 for most, input 1 after). */
export function reducedAxes(
  node: Node,
  rank: number,
  constant: (i: number) => number[] | undefined,
): number[] {
  const given = attrInts(node, 'axes') ?? constant(1);
  if (!given || given.length === 0) {
    return attrInt(node, 'noop_with_empty_axes', 0) ? [] : Array.from({ length: rank }, (_, i) => i);
  }
  return given.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
}

const stateConstant = (node: Node, s: ConvState) => (i: number) =>
  s.graph.initializers.get(node.inputs[i] ?? '')?.toNumbers();

/**
 * ReduceMean/ReduceSum (and GlobalAveragePool, all spatial axes kept) -> MEAN/SUM over the physical axes,
 * in whatever layout the input has. Without keepdims the output's layout drops the reduced axes.
 */
export function reduceLowering(
  tflite: string,
  axesOf?: (rank: number) => number[],
  int8 = true,
): TfliteLowering {
  const axes = (node: Node, rank: number, get: (i: number) => number[] | undefined) =>
    axesOf ? axesOf(rank) : reducedAxes(node, rank, get);
  const keep = (node: Node) => (axesOf ? true : attrInt(node, 'keepdims', 1) === 1);
  return {
    layout: 'agnostic',
    int8,
    outputPerm(node, perm, s) {
      if (keep(node)) return perm;
      const gone = axes(node, perm.length, stateConstant(node, s));
      return perm.filter((a) => !gone.includes(a)).map((a) => a - gone.filter((g) => g < a).length);
    },
    lower(node, cx) {
      const rank = cx.inShape(0).length;
      const get = (i: number) => cx.constant(i)?.toNumbers();
      const physical = axes(node, rank, get).map((a) => cx.inPerm(0).indexOf(a));
      emitReduce(cx, tflite, physical, keep(node));
    },
  };
}

function emitReduce(cx: LowerContext, tflite: string, axes: number[], keepDims: boolean): void {
  if (axes.length === 0) return cx.alias(0, cx.input(0));
  const axesName = cx.addConstant(`${tflite.toLowerCase()}_axes_${axes.join('_')}`, int32s(axes));
  cx.emit(tflite, [cx.input(0), axesName], [cx.output(0)], { keep_dims: int(keepDims ? 1 : 0) });
}
