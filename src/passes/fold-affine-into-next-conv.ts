import type { Node } from '../ir/graph.js';
import {
  biasOf,
  convWeight,
  f32,
  padsSomething,
  perChannel,
  scaleInputChannels,
  withInputs,
} from './channels.js';
import { rulePass, type Rule, type RuleContext } from './rewrite.js';

/**
 * A constant Mul, and an Add after it, that only feed a Conv fold into the Conv's weights and bias:
 * Conv(a * x + b) = Conv'(x) with W' = W * a per input channel and b' = bias + sum(W * b). Exact for the
 * Mul whatever the padding (a * 0 = 0); for the Add only when the Conv pads nothing. Where it pads, the
 * Add moves before the Mul instead (a * x + b = a * (x + b / a), a != 0) so the Mul still folds.
 *
 * Why: PP-LCNetV3 (the backbone of PP-OCRv4 rec and det) ends every HardSwish with a "learnable affine
 * block", Mul(scalar) then Add(scalar), 28 of them in rec. Quantized as written, each pair rounds the
 * tensor to two more int8 grids; pow2's power-of-two grids lose up to a bit at each, and on PP-OCRv4 rec
 * keeping the 56 nodes float took the pow2 B16 CER from 15.8% to 4.6%. Folded, the ops are gone.
 */

/** The non-constant operand of a Mul/Add and its constant operand per input channel of a Conv. */
function channelOperand(
  node: Node,
  cx: RuleContext,
  rank: number,
  channels: number,
): { x: string; c: Float64Array; dims: readonly number[] } | undefined {
  for (const side of [0, 1]) {
    const x = node.inputs[side]!;
    const k = cx.constant(node.inputs[1 - side]!);
    if (!k || cx.constant(x) || cx.rank(x) !== rank) continue;
    const c = perChannel(k, rank, 1, channels);
    if (c) return { x, c, dims: k.dims };
  }
  return undefined;
}

function fold(conv: Node, cx: RuleContext): ReturnType<Rule['match']> {
  const cw = convWeight(conv, cx);
  if (!cw) return undefined;
  const { w, group } = cw;
  const [rank, channels, m] = [w.dims.length, w.dims[1]! * group, w.dims[0]!];
  const bias = biasOf(conv, cx, m);
  const p = cx.soleProducer(conv, 0);
  if (!bias || (p?.opType !== 'Mul' && p?.opType !== 'Add')) return undefined;
  const op = channelOperand(p, cx, rank, channels);
  if (!op) return undefined;
  const ones = new Float64Array(channels).fill(1);
  const zeros = new Float64Array(channels);
  const replaced = (x: string, aff: { scale: Float64Array; shift: Float64Array }, remove: Node[]) => {
    const s = scaleInputChannels(w, group, aff, bias);
    const [wName, bName] = [cx.fresh(`${conv.inputs[1]}_in`), cx.fresh(`${conv.outputs[0]}_bias_in`)];
    const inputs = [x, wName, bName];
    return {
      remove: [...remove, conv],
      add: [withInputs(conv, inputs)],
      initializers: [
        [wName, s.w],
        [bName, f32([m], s.b)],
      ] as [string, ReturnType<typeof f32>][],
    };
  };
  if (p.opType === 'Mul') return replaced(op.x, { scale: op.c, shift: zeros }, [p]);
  if (!padsSomething(conv)) return replaced(op.x, { scale: ones, shift: op.c }, [p]);
  // A padding Conv after Mul then Add: x + b / a feeds Conv(W * a).
  const mul = cx.soleProducer(p, p.inputs.indexOf(op.x));
  const scale = mul?.opType === 'Mul' ? channelOperand(mul, cx, rank, channels) : undefined;
  if (!scale || scale.c.some((a) => a === 0)) return undefined;
  const shift = op.c.map((b, i) => b / scale.c[i]!);
  const size = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);
  const uniform = size(scale.dims) === 1 && size(op.dims) === 1;
  const dims = uniform ? op.dims : [channels, ...new Array<number>(rank - 2).fill(1)];
  const cName = cx.fresh(`${p.inputs.find((i) => i !== op.x)}_over_scale`);
  const r = replaced(p.outputs[0]!, { scale: scale.c, shift: zeros }, [mul!, p]);
  r.add.unshift(withInputs(p, [scale.x, cName]));
  r.initializers.push([cName, f32(dims, uniform ? [shift[0]!] : shift)]);
  return r;
}

export const foldAffineIntoNextConvRules: Rule[] = [
  { name: 'fold-affine-into-next-conv', roots: ['Conv'], match: fold },
];

export const foldAffineIntoNextConv = rulePass(foldAffineIntoNextConvRules);
