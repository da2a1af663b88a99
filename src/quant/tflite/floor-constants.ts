/**
 * pow2 on truncating hardware (`--rounding floor`): an ADD or SUB with a constant operand is a bias too.
 * The converter writes HardSigmoid and HardSwish as MUL by a constant, then ADD of a constant (alpha x +
 * beta), and on the device both truncate: the gate comes out lower by about half a MUL step plus half an
 * ADD step on average (PP-OCR cls: about 0.012 of a gate in [0, 1]). A conv/FC bias downstream cannot
 * cancel that, because the gate multiplies its feature map (an error proportional to the data); the
 * ADD's constant can, before the gate reaches the MUL. Moving the constant is a change of the file's
 * numbers only: every runtime reads it as it reads any constant operand.
 */
import type { Graph, Node } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { exactLog2 } from '../../runtime/integer/fixed-point.js';

/**
 * The index of `node`'s constant operand when it is an ADD or SUB of a value and a scalar int8 constant
 * (scale per tensor, zero point 0) that no other node reads; else undefined.
 */
export function constantOperand(g: Graph, node: Node): number | undefined {
  if ((node.opType !== 'ADD' && node.opType !== 'SUB') || node.inputs.length !== 2) return undefined;
  const i = node.inputs.findIndex((v) => g.initializers.has(v));
  if (i < 0 || g.initializers.has(node.inputs[1 - i]!)) return undefined;
  const name = node.inputs[i]!;
  const c = g.initializers.get(name)!;
  const q = c.quant;
  if (c.dtype !== 'int8' || c.data.length !== 1 || q?.scale.length !== 1 || q.zeroPoint[0]) return undefined;
  // A constant other nodes share stays as it is (their inputs carry other shifts).
  return g.nodes.filter((n) => n.inputs.includes(name)).length === 1 ? i : undefined;
}

/**
 * Moves the constant operand `i` of ADD/SUB `node` so that the output rises by `by` (real units). A
 * constant on a scale of its own (the converter's alpha and beta: the value over 127) keeps its int8
 * value and takes the scale that makes it the new value, exactly; one on a power-of-two grid moves on its
 * grid, where the result fits int8. False where it cannot move (no change, or a sign change).
 */
export function moveConstant(g: Graph, node: Node, i: number, by: number): boolean {
  const name = node.inputs[i]!;
  const c = g.initializers.get(name)!;
  const s = c.quant!.scale[0]!;
  const q = (c.data as Int8Array)[0]!;
  // a - c rises when c falls.
  const target = q * s + (node.opType === 'SUB' && i === 1 ? -by : by);
  let t: Tensor;
  if (exactLog2(s) === undefined) {
    if (q === 0 || Math.sign(target) !== Math.sign(q)) return false;
    t = new Tensor('int8', c.dims, Int8Array.of(q));
    t.quant = { ...c.quant!, scale: Float64Array.of(target / q) };
  } else {
    const moved = Math.round(target / s);
    if (moved === q || moved < -128 || moved > 127) return false;
    t = new Tensor('int8', c.dims, Int8Array.of(moved));
    t.quant = c.quant;
  }
  t.extra = c.extra;
  g.initializers.set(name, t);
  return true;
}
