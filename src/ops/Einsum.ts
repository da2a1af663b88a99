import { attrString, int, ints } from '../ir/attrs.js';
import type { Dim } from '../ir/graph.js';
import { shapeOf, withShape } from './common/shape.js';
import type { OpDescriptor } from './types.js';
import { floatConstant, int32s } from '../convert/lowering/constants.js';
import { einsumPlan, type EinsumPlan } from '../convert/lowering/einsum.js';
import { isIdentity, reshapeTensor, transposeTensor } from '../convert/layout-math.js';
import type { LowerContext, TfliteLowering } from '../convert/lowering/types.js';

const product = (dims: number[]) => dims.reduce((p, d) => p * d, 1);

/**
 * Einsum as one BATCH_MATMUL: operand A arranged [batch, freeA, contracted] and B [batch, contracted,
 * freeB] (TRANSPOSE then RESHAPE to rank 3; constants rearranged here), the product reshaped to
 * [batch, freeA, freeB] and transposed to the output's letter order. Other equations are refused with
 * the equation (lowering/einsum.ts). Runs float (the quantizer has no rule for it).
 */
const tflite = {
  layout: 'logical',
  int8: false,
  lower(node, cx) {
    const p = einsumPlan(node);
    const size = sizes(p, cx);
    const dimsOf = (letters: string[]) => letters.map((c) => size.get(c)!);
    const [pb, pk] = [product(dimsOf(p.batch)), product(dimsOf(p.contracted))];
    const [pa, pf] = [product(dimsOf(p.freeA)), product(dimsOf(p.freeB))];
    const lhs = operand(cx, 0, p.a, [...p.batch, ...p.freeA, ...p.contracted], [pb, pa, pk]);
    const rhs = operand(cx, 1, p.b, [...p.batch, ...p.contracted, ...p.freeB], [pb, pk, pf]);
    const order = [...p.batch, ...p.freeA, ...p.freeB];
    const perm = [...p.out].map((c) => order.indexOf(c));
    const needsReshape = order.length !== 3;
    const needsTranspose = !isIdentity(perm);
    const mm =
      needsReshape || needsTranspose
        ? cx.addValue(`${node.outputs[0]}_mm`, 'float32', [pb, pa, pf])
        : cx.output(0);
    cx.emit('BATCH_MATMUL', [lhs, rhs], [mm], { adj_x: int(0), adj_y: int(0) });
    let y = mm;
    if (needsReshape) {
      y = needsTranspose ? cx.addValue(`${node.outputs[0]}_split`, 'float32', dimsOf(order)) : cx.output(0);
      cx.emit('RESHAPE', [mm], [y], { new_shape: ints(dimsOf(order)) });
    }
    if (needsTranspose)
      cx.emit(
        'TRANSPOSE',
        [y, cx.addConstant(`einsum_perm_${perm.join('_')}`, int32s(perm))],
        [cx.output(0)],
      );
  },
} satisfies TfliteLowering;

function sizes(p: EinsumPlan, cx: LowerContext): Map<string, number> {
  const size = new Map<string, number>();
  [p.a, p.b].forEach((term, i) => [...term].forEach((c, k) => size.set(c, cx.inShape(i)[k]!)));
  return size;
}

/** Input i (letters `term`) rearranged to `order` and viewed as `shape` (rank 3). */
function operand(cx: LowerContext, i: number, term: string, order: string[], shape: number[]): string {
  const perm = order.map((c) => term.indexOf(c));
  const c = cx.constant(i);
  if (c) {
    const t = reshapeTensor(transposeTensor(floatConstant(c), perm), shape);
    return cx.addConstant(`${cx.node.inputs[i]}_einsum`, t);
  }
  let x = cx.input(i);
  const dims = cx.inShape(i);
  if (!isIdentity(perm)) {
    const moved = cx.addValue(
      `${cx.node.inputs[i]}_einsum_t`,
      'float32',
      perm.map((a) => dims[a]!),
    );
    cx.emit('TRANSPOSE', [x, cx.addConstant(`einsum_perm_${perm.join('_')}`, int32s(perm))], [moved]);
    x = moved;
  }
  if (dims.length === 3 && perm.every((a, k) => dims[a] === shape[k])) return x;
  const viewed = cx.addValue(`${cx.node.inputs[i]}_einsum_3d`, 'float32', shape);
  cx.emit('RESHAPE', [x], [viewed], { new_shape: ints(shape) });
  return viewed;
}

/**
 * Einsum: output dims by letter, for any number of operands with an explicit output (no ellipsis); the
 * lowering decides which equations TFLite can take, and names the equation when it cannot.
 */
export default {
  opType: 'Einsum',
  inferShapes: (node, ctx) => {
    const m = /^([a-zA-Z]+(?:,[a-zA-Z]+)*)->([a-zA-Z]*)$/.exec(
      attrString(node, 'equation', '').replace(/\s+/g, ''),
    );
    const terms = m ? m[1]!.split(',') : [];
    const shapes = terms.map((_, i) => shapeOf(ctx.inputTypes[i]));
    if (!m || terms.length !== node.inputs.length || shapes.some((sh) => !sh))
      return [withShape(ctx.inputTypes[0], undefined)];
    const size = new Map<string, Dim>();
    terms.forEach((term, i) => [...term].forEach((c, k) => size.set(c, shapes[i]![k] ?? null)));
    return [
      withShape(
        ctx.inputTypes[0],
        [...m[2]!].map((c) => size.get(c) ?? null),
      ),
    ];
  },
  tflite,
} satisfies OpDescriptor;
