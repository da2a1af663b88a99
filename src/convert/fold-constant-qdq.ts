import { attrInt } from '../ir/attrs.js';
import { indexGraph, readsOf, type Graph, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';

const isOp = (n: Node | undefined, op: string): n is Node => n?.opType === op && n.domain === '';

/**
 * QuantizeLinear -> DequantizeLinear of a constant, inside a computation on constants, becomes the
 * constant ONNX Runtime computes (x / scale rounded half to even, plus the zero point, saturated; then
 * back to float). Exporters compute some weights in the graph (Silero VAD slices and concatenates its
 * LSTM's gate matrices inside an If branch), and the quantizer puts Q/DQ pairs on those ops' outputs as
 * on any activation; folding them lets the chain fold to the constant the LSTM lowering needs. A pair
 * whose readers also read runtime values is left to the QDQ folding (fold-qdq.ts), which keeps it int8.
 */
export function foldConstantQdq(input: Graph): Graph {
  const index = indexGraph(input);
  const isConstant = (v: string) => !v || input.initializers.has(v);
  const pairs = new Map<string, [Node, Node]>();
  for (const dq of input.nodes) {
    if (!isOp(dq, 'DequantizeLinear') || !dq.inputs.slice(1).every(isConstant)) continue;
    const q = index.producer.get(dq.inputs[0]!);
    if (isOp(q, 'QuantizeLinear') && q.inputs.every(isConstant)) pairs.set(dq.outputs[0]!, [q, dq]);
  }
  // A reader of several such pairs (a Concat of sliced gates) reads constants once they all fold.
  const folds = (v: string) => isConstant(v) || pairs.has(v);
  const folded = new Map<string, Tensor>();
  for (const [y, [q, dq]] of pairs) {
    const readers = index.consumers.get(y) ?? [];
    const intoConstants = readers.every((r) => readsOf(r).every(folds));
    if (readers.length === 0 || !intoConstants || index.graphOutputs.has(y)) continue;
    folded.set(y, fakeQuantize(input, q, dq));
  }
  if (folded.size === 0) return input;
  const g = input.clone();
  g.nodes = g.nodes.filter((n) => !folded.has(n.outputs[0]!));
  for (const [name, t] of folded) g.initializers.set(name, t);
  return g;
}

/** Q then DQ of a constant, as ONNX Runtime computes them in float32 (per tensor or along `axis`). */
function fakeQuantize(g: Graph, q: Node, dq: Node): Tensor {
  const x = g.initializers.get(q.inputs[0]!)!;
  const values = x.toFloat32();
  const param = (n: Node, i: number) => (n.inputs[i] ? g.initializers.get(n.inputs[i]!) : undefined);
  const qScale = param(q, 1)!.toFloat32();
  const qZero = param(q, 2);
  const [lo, hi] =
    qZero?.dtype === 'int8'
      ? [-128, 127]
      : qZero?.dtype === 'uint8' || !qZero
        ? [0, 255]
        : [-(2 ** 31), 2 ** 31 - 1];
  const qZp = qZero?.toNumbers() ?? [0];
  const dScale = param(dq, 1)!.toFloat32();
  const dZp = param(dq, 2)?.toNumbers() ?? [0];
  const channel = (n: Node, count: number) => {
    if (count <= 1) return () => 0;
    const rank = x.dims.length;
    const a = attrInt(n, 'axis', 1);
    const axis = a < 0 ? a + rank : a;
    const inner = x.dims.slice(axis + 1).reduce((p, d) => p * d, 1);
    return (i: number) => Math.floor(i / inner) % x.dims[axis]!;
  };
  const qc = channel(q, qScale.length);
  const dc = channel(dq, dScale.length);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const scaled = Math.fround(values[i]! / qScale[qc(i)]!);
    const level = Math.min(hi, Math.max(lo, roundHalfEven(scaled) + qZp[qc(i)]!));
    out[i] = Math.fround((level - dZp[dc(i)]!) * dScale[dc(i)]!);
  }
  return Tensor.float32(x.dims, out);
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
