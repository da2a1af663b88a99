import { opsetVersion, type Graph, type Model, type Node } from '../ir/graph.js';
import { ints } from '../ir/attrs.js';
import { inferTypes } from '../ir/shapes.js';
import { Tensor } from '../ir/tensor.js';
import { axesOf } from '../ops/common/axes.js';
import { quantScalar } from './pow2-add-ties.js';
import { rulePass, type Rule, type RuleContext } from './rewrite.js';

/**
 * pow2 averages in the .onnx, rounded as LiteRT rounds the .tflite's int8 ones. ONNX Runtime averages the
 * dequantized values in float and its QuantizeLinear rounds ties to even; LiteRT does otherwise, and on
 * PP-OCRv4 rec each average a step off somewhere was grown by the attention blocks after it:
 *
 * - AVERAGE_POOL_2D (the TFLite kernel) rounds the average half away from zero (acc ± count/2, then an
 *   integer division by the count). The .onnx moves each average a hair away from zero first:
 *   DQ -> AveragePool -> y + Sign(y) * d -> Q. An average of n values on the input grid s_x lies on the
 *   grid s_x / n; with s_x and the output's s a power of two apart, a value that is not a tie lies at
 *   least min(s_x, s / 2) / n from one, n at most the kernel's area, and d is a quarter of that.
 * - MEAN (ReduceMean, GlobalAveragePool; run by XNNPACK) sums the integers and requantizes in float:
 *   round-half-to-even(float32(sum * float32(s_x / (s * n)))). That multiplier is not 1/n exactly, so some
 *   ties go up and some down. The .onnx computes the same product: DQ -> ReduceSum -> Mul(k) -> Q with
 *   k = float32(1 / n). The sum of the dequantized values is the integer sum times s_x exactly, powers of
 *   two scale a float32 product exactly (so float32(s_x / (s * n)) = s_x / s * k), and QuantizeLinear's
 *   division by s and rounding to even is XNNPACK's rounding. Where n is not fixed (a dynamic width) the
 *   .onnx takes it from the input's shape at run time and k = Reciprocal(n): not Div(1, n), which ONNX
 *   Runtime's DivMulFusion merges with the Mul into a division by n, the exact average again.
 *
 * Only the .onnx gets this; the .tflite keeps its AVERAGE_POOL_2D and MEAN.
 */
export function averagesAsLitert(model: Model): Graph {
  if (model.quantScheme?.scheme !== 'pow2') return model.graph;
  const ctx = { opset: opsetVersion(model) ?? 13, irVersion: model.irVersion };
  const { graph, declared } = withAverageInputShapes(model.graph, ctx.opset);
  const out = rulePass([poolTiesAway, meanAsXnnpack])(graph, ctx).graph;
  for (const name of declared) out.valueInfo.delete(name);
  return out;
}

/**
 * The QDQ graph with each average's input shape declared, for the rules only (the caller's file gets no
 * new value info). Shape inference stops at QuantizeLinear/DequantizeLinear, so in the quantized graph an
 * average's rank and sizes were unknown and the rules fell back to computing them at run time with
 * Shape/Size/Range: ONNX Runtime's WASM build (the Action's) refuses that file ("Can't merge shape info",
 * seen on mobilenet's GlobalAveragePool) where its native build loads it. Read with each Q/DQ as an
 * Identity of its input, the shapes are the float graph's.
 */
function withAverageInputShapes(g: Graph, opset: number): { graph: Graph; declared: string[] } {
  const shapesOnly = g.clone();
  shapesOnly.nodes = g.nodes.map((n) =>
    n.domain === '' && (n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear')
      ? { ...n, opType: 'Identity', inputs: [n.inputs[0]!] }
      : n,
  );
  const types = inferTypes(shapesOnly, { opset });
  const graph = g.clone();
  const declared: string[] = [];
  for (const n of g.nodes) {
    const x = n.inputs[0];
    if (!x || ![poolTiesAway, meanAsXnnpack].some((r) => r.roots.includes(n.opType))) continue;
    const t = types.get(x);
    if (graph.valueInfo.has(x) || t?.kind !== 'tensor') continue;
    graph.valueInfo.set(x, { name: x, type: t });
    declared.push(x);
  }
  return { graph, declared };
}

const node = (name: string, opType: string, inputs: string[], output: string, attrs = {}): Node => ({
  name,
  opType,
  domain: '',
  inputs,
  outputs: [output],
  attrs,
});

const poolTiesAway: Rule = {
  name: 'pow2-pool-ties-away',
  roots: ['AveragePool'],
  match(n, cx) {
    const scales = quantScales(n, cx);
    const kernel = n.attrs.kernel_shape;
    if (!scales || kernel?.kind !== 'ints') return undefined;
    const area = kernel.value.reduce((a, b) => a * b, 1);
    const d = Math.min(scales.sx, scales.s / 2) / (4 * area);
    const y = n.outputs[0]!;
    const base = n.name || y;
    const [avg, sign, moved, step] = ['avg', 'sign', 'nudge', 'tie_away'].map((s) =>
      cx.fresh(`${base}_${s}`),
    );
    return {
      remove: [n],
      add: [
        { ...n, outputs: [avg!] },
        node(sign!, 'Sign', [avg!], sign!),
        node(moved!, 'Mul', [sign!, step!], moved!),
        node(`${base}_tie_away`, 'Add', [avg!, moved!], y),
      ],
      initializers: [[step!, Tensor.float32([], [d])]],
    };
  },
};

const meanAsXnnpack: Rule = {
  name: 'pow2-mean-as-xnnpack',
  roots: ['ReduceMean', 'GlobalAveragePool'],
  match(n, cx) {
    const scales = quantScales(n, cx);
    const x = n.inputs[0]!;
    const shape = cx.shape(x);
    const axes = reducedAxes(n, cx, shape?.length);
    if (!scales || axes === undefined || (axes === 'spatial' && cx.opset < 13)) return undefined;
    const keep =
      n.opType === 'GlobalAveragePool' || n.attrs.keepdims?.kind !== 'int' ? 1 : n.attrs.keepdims.value;
    const keepdims = { kind: 'int', value: keep } as const;
    const y = n.outputs[0]!;
    const base = n.name || y;
    const fresh = (s: string) => cx.fresh(`${base}_${s}`);
    const [sum, k] = [fresh('sum'), fresh('k')];
    const add: Node[] = [];
    const initializers: [string, Tensor][] = [];
    const dims = axes === 'spatial' ? undefined : axes.map((a) => shape?.[a < 0 ? a + shape.length : a]);
    if (dims?.every((d): d is number => typeof d === 'number')) {
      const count = dims.reduce((a, b) => a * b, 1);
      initializers.push([k, Tensor.float32([], [1 / count])]);
    } else add.push(...runtimeMultiplier(x, axes, k, fresh, initializers));
    if (axes === 'spatial') {
      add.push(node(base, 'ReduceSum', [x, spatialAxes(x, fresh, initializers, add)], sum, { keepdims }));
    } else if (cx.opset >= 13) {
      const axesName = fresh('axes');
      initializers.push([axesName, Tensor.int64([axes.length], axes)]);
      add.push(node(base, 'ReduceSum', [x, axesName], sum, { keepdims }));
    } else add.push(node(base, 'ReduceSum', [x], sum, { axes: ints(axes), keepdims }));
    add.push(node(`${base}_times_k`, 'Mul', [sum, k], y));
    return { remove: [n], add, initializers };
  },
};

/** GlobalAveragePool's axes (2 .. rank - 1) from the input's shape at run time: Range(2, Size(Shape(x))). */
function spatialAxes(
  x: string,
  fresh: (s: string) => string,
  inits: [string, Tensor][],
  add: Node[],
): string {
  const [shape, rank, two, one, axes] = [
    fresh('dims'),
    fresh('rank'),
    fresh('two'),
    fresh('one'),
    fresh('axes'),
  ];
  inits.push([two, Tensor.int64([], [2])], [one, Tensor.int64([], [1])]);
  add.push(
    node(shape, 'Shape', [x], shape),
    node(rank, 'Size', [shape], rank),
    node(axes, 'Range', [two, rank, one], axes),
  );
  return axes;
}

/**
 * k = float32(1 / n) with n from the input's shape at run time: the reduced dims multiplied (for
 * GlobalAveragePool the size over the first two dims), cast to float, its reciprocal (rounded once).
 */
function runtimeMultiplier(
  x: string,
  axes: number[] | 'spatial',
  k: string,
  fresh: (s: string) => string,
  initializers: [string, Tensor][],
): Node[] {
  const shape = fresh('shape');
  const nodes: Node[] = [node(shape, 'Shape', [x], shape)];
  const dim = (a: number): string => {
    const [index, d] = [fresh(`axis${a}`), fresh(`dim${a}`)];
    initializers.push([index, Tensor.int64([], [a])]);
    nodes.push(node(d, 'Gather', [shape, index], d));
    return d;
  };
  const product = (a: string, b: string): string => {
    const p = fresh('count');
    nodes.push(node(p, 'Mul', [a, b], p));
    return p;
  };
  let count: string;
  if (axes === 'spatial') {
    const [size, outer] = [fresh('size'), fresh('spatial')];
    nodes.push(node(size, 'Size', [x], size));
    nodes.push(node(outer, 'Div', [size, product(dim(0), dim(1))], outer));
    count = outer;
  } else count = axes.map(dim).reduce(product);
  const countF = fresh('count_f');
  nodes.push(
    node(countF, 'Cast', [count], countF, { to: { kind: 'int', value: 1 } }),
    node(k, 'Reciprocal', [countF], k),
  );
  return nodes;
}

/**
 * The axes averaged: GlobalAveragePool's spatial ones ('spatial' when the rank is unknown), the node's
 * axes otherwise (negative ones stay negative: ReduceSum and Gather take them). Undefined for a
 * ReduceMean whose axes are not constant or that reduces nothing.
 */
function reducedAxes(n: Node, cx: RuleContext, rank: number | undefined): number[] | 'spatial' | undefined {
  if (n.opType === 'GlobalAveragePool')
    return rank === undefined ? 'spatial' : Array.from({ length: rank - 2 }, (_, i) => i + 2);
  const axes = axesOf(n, n.inputs[1] ? cx.constant(n.inputs[1]) : undefined);
  if (axes === undefined) return undefined;
  if (axes !== null && axes.length) return axes;
  const noop = n.attrs.noop_with_empty_axes;
  if (rank === undefined || (noop?.kind === 'int' && noop.value === 1)) return undefined;
  return Array.from({ length: rank }, (_, i) => i);
}

/**
 * The scales of a quantized average (input from DequantizeLinear, output read only by QuantizeLinear
 * nodes of one scale) when they are powers of two apart; undefined otherwise.
 */
function quantScales(n: Node, cx: RuleContext): { sx: number; s: number } | undefined {
  const dq = cx.producer(n.inputs[0]!);
  const sx = dq?.opType === 'DequantizeLinear' ? quantScalar(cx, dq.inputs[1]) : undefined;
  const y = n.outputs[0]!;
  const readers = cx.consumers(y);
  if (sx === undefined || !readers.length || cx.isGraphOutput(y)) return undefined;
  const out = readers.map((q) => (q.opType === 'QuantizeLinear' ? quantScalar(cx, q.inputs[1]) : undefined));
  const s = out[0];
  if (s === undefined || out.some((v) => v !== s) || !Number.isInteger(Math.log2(s / sx))) return undefined;
  return { sx, s };
}
