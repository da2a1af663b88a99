import { indexGraph, type Graph, type GraphIndex, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';

/**
 * Writes the quantized HardSwish and HardSigmoid of a QDQ graph as ops ONNX Runtime fuses into integer
 * kernels (QLinearAdd, QLinearMul). ORT has no integer kernel for either and runs them in float between
 * DequantizeLinear and QuantizeLinear (HardSwish even as float HardSigmoid and Mul); in PP-OCRv4 det they
 * were the largest float cost left, and int8 det was no faster than float (a tie) until this (see the
 * closing note of issue #5 for the bench figures). Only the .onnx gets this (before activationsAsUint8 in
 * the QDQ form); the .tflite keeps HARD_SWISH, which every TFLite delegate knows.
 *
 * HardSigmoid, clamp(alpha x + beta, 0, 1), read by a QuantizeLinear (s, z) whose grid lies in [0, 1]:
 *
 *   DQ(x) -> Add(x, beta / alpha) -> Q(s / alpha, z)      (the DequantizeLinear after it keeps s)
 *
 * alpha (x + beta / alpha) / s is the same number as (alpha x + beta) / s, and the grid saturates where the
 * clamp would, so the integers are the same as before: exact, nothing lost.
 *
 * HardSwish, x * hardsigmoid(x) with alpha 1/6, beta 1/2:
 *
 *   DQ(x) -> Add(x, 3) -> Q(6/255, -128) -> DQ(1/255, -128) -> Mul(x, .) -> Q(y)
 *
 * The int8 tensor between is relu6(x + 3) on a grid of 6/255 (its range clamps to [0, 6] by itself),
 * read back at 1/255: hardsigmoid(x) rounded to 1/255 before the product. So y differs from hard-swish
 * rounded once by at most |x| / 510 where |x| < 3 (outside, hardsigmoid is exactly 0 or 1): 3 / (510 *
 * step of y) steps at most, under half a step for any output range wider than about [-0.4, 3]. TFLite's
 * fixed-point int8 HARD_SWISH is a step off on some inputs too.
 */
export function hardActivationsAsIntegerOps(g: Graph): Graph {
  const index = indexGraph(g);
  const swish = new Set(g.nodes.filter((n) => n.opType === 'HardSwish' && isQuantized(n, index)));
  const sigmoid = new Set(g.nodes.filter((n) => n.opType === 'HardSigmoid' && exactOnItsGrid(g, n, index)));
  if (swish.size === 0 && sigmoid.size === 0) return g;
  const out = g.clone();
  const names = new Set([
    ...out.nodes.flatMap((n) => [...n.inputs, ...n.outputs]),
    ...out.initializers.keys(),
  ]);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; names.has(name); i++) name = `${base}_${i}`;
    names.add(name);
    return name;
  };
  // int8 like every activation here; activationsAsUint8 moves them to uint8 with the rest for the QDQ file.
  const [low, zero] = [fresh('hard_zp_m128'), fresh('hard_zp_0')];
  out.initializers.set(low, new Tensor('int8', [], Int8Array.of(-128)));
  out.initializers.set(zero, new Tensor('int8', [], Int8Array.of(0)));
  const nodes: Node[] = [];
  /** A float constant c > 0 as ORT's QLinearAdd wants it: DequantizeLinear of int8 127 at c / 127. */
  const constants = new Map<number, string>();
  const constant = (c: number): string => {
    let name = constants.get(c);
    if (name) return name;
    const [values, scale] = [fresh(`hard_const_${c}_q`), fresh(`hard_const_${c}_scale`)];
    out.initializers.set(values, new Tensor('int8', [], Int8Array.of(127)));
    out.initializers.set(scale, Tensor.float32([], [c / 127]));
    name = fresh(`hard_const_${c}`);
    nodes.push(dq([values, scale, zero], name));
    constants.set(c, name);
    return name;
  };
  const scalar = (base: string, v: number) => {
    const name = fresh(base);
    out.initializers.set(name, Tensor.float32([], [v]));
    return name;
  };
  const [sixGrid, unitGrid] = swish.size
    ? [scalar('hard_scale_6_255', 6 / 255), scalar('hard_scale_1_255', 1 / 255)]
    : [];
  const outIndex = indexGraph(out);
  const rest: Node[] = [];
  for (const [i, n] of out.nodes.entries()) {
    const original = g.nodes[i]!;
    const [x, y] = [n.inputs[0]!, n.outputs[0]!];
    const base = n.name || y;
    if (swish.has(original)) {
      const [sum, q, h] = [fresh(`${base}_plus3`), fresh(`${base}_relu6_q`), fresh(`${base}_hsigmoid`)];
      rest.push(
        binary('Add', `${base}_add3`, x, constant(3), sum),
        qdqNode('QuantizeLinear', [sum, sixGrid!, low], q),
        dq([q, unitGrid!, low], h),
        binary('Mul', `${base}_mul`, x, h, y),
      );
    } else if (sigmoid.has(original)) {
      const { alpha, beta } = hardSigmoidParams(n);
      rest.push(binary('Add', `${base}_add`, x, constant(beta / alpha), y));
      for (const q of outIndex.consumers.get(y) ?? []) {
        const s = out.initializers.get(q.inputs[1]!)!.toFloat32()[0]!;
        q.inputs[1] = scalar(`${base}_scale_over_alpha`, s / alpha);
      }
    } else rest.push(n);
  }
  out.nodes = [...nodes, ...rest];
  const read = new Set(out.nodes.flatMap((n) => n.inputs));
  for (const name of [low, zero]) if (!read.has(name)) out.initializers.delete(name);
  return out;
}

const qdqNode = (opType: string, inputs: string[], output: string): Node => ({
  name: '',
  opType,
  domain: '',
  inputs,
  outputs: [output],
  attrs: {},
});
const dq = (inputs: string[], output: string) => qdqNode('DequantizeLinear', inputs, output);
const binary = (opType: string, name: string, a: string, b: string, output: string): Node => ({
  name,
  opType,
  domain: '',
  inputs: [a, b],
  outputs: [output],
  attrs: {},
});

function hardSigmoidParams(n: Node): { alpha: number; beta: number } {
  const attr = (key: string, fallback: number) => {
    const a = n.attrs[key];
    return a?.kind === 'float' ? a.value : fallback;
  };
  return { alpha: attr('alpha', 0.2), beta: attr('beta', 0.5) };
}

/** Reads a DequantizeLinear; only QuantizeLinear nodes read its output (int8 in and out). */
function isQuantized(n: Node, index: GraphIndex): boolean {
  if (n.domain !== '' || index.producer.get(n.inputs[0]!)?.opType !== 'DequantizeLinear') return false;
  const readers = index.consumers.get(n.outputs[0]!) ?? [];
  return (
    readers.length > 0 &&
    !index.graphOutputs.has(n.outputs[0]!) &&
    readers.every((r) => r.opType === 'QuantizeLinear' && r.domain === '')
  );
}

/**
 * A quantized HardSigmoid whose output grids (per-tensor int8) start at 0 and end at most half a step
 * past 1, so that the QuantizeLinear's saturation is the clamp; and whose Add constant ORT can take.
 */
function exactOnItsGrid(g: Graph, n: Node, index: GraphIndex): boolean {
  if (!isQuantized(n, index)) return false;
  const { alpha, beta } = hardSigmoidParams(n);
  if (!(alpha > 0 && beta > 0)) return false;
  return (index.consumers.get(n.outputs[0]!) ?? []).every((q) => {
    const [scale, zp] = [
      g.initializers.get(q.inputs[1]!),
      q.inputs[2] ? g.initializers.get(q.inputs[2]) : undefined,
    ];
    if (!scale || scale.data.length !== 1 || !zp || zp.dtype !== 'int8' || zp.data.length !== 1) return false;
    const s = scale.toFloat32()[0]!;
    return Number(zp.data[0]) === -128 && s * 255 <= 1 + s / 2;
  });
}
