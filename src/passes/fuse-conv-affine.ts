import type { Node } from '../ir/graph.js';
import {
  biasOf,
  convWeight,
  f32,
  outChannels,
  perChannel,
  scaleOutputChannels,
  withInputs,
} from './channels.js';
import { rulePass, type Rule, type RuleContext } from './rewrite.js';

/**
 * A Conv or ConvTranspose followed by a per-channel constant Mul, Div, Add or Sub (a bias Add left apart
 * by an exporter, a BatchNorm split by an earlier tool, a reparameterized scale) folds into the weights
 * and bias. The constant must vary only along the channel axis so the output shape is unchanged.
 */

/** From the old bias b and the constant c of one channel: the weight scale and the new bias. */
type Combine = (b: number, c: number) => [scale: number, bias: number];

const OPS: Record<string, { convSides: number[]; combine: Combine }> = {
  Mul: { convSides: [0, 1], combine: (b, c) => [c, b * c] },
  Div: { convSides: [0], combine: (b, c) => [1 / c, b / c] },
  Add: { convSides: [0, 1], combine: (b, c) => [1, b + c] },
  Sub: { convSides: [0], combine: (b, c) => [1, b - c] },
};

function match(node: Node, cx: RuleContext): ReturnType<Rule['match']> {
  const op = OPS[node.opType]!;
  for (const side of op.convSides) {
    const conv = cx.soleProducer(node, side);
    if (conv?.opType !== 'Conv' && conv?.opType !== 'ConvTranspose') continue;
    const k = cx.constant(node.inputs[1 - side]!);
    const cw = convWeight(conv, cx);
    if (!k || !cw) continue;
    const m = outChannels(conv.opType, cw.w, cw.group);
    const c = perChannel(k, cw.w.dims.length, 1, m);
    const bias = biasOf(conv, cx, m);
    if (!c || !bias) continue;
    const parts = Array.from(bias, (b, i) => op.combine(b, c[i]!));
    const scale = Float64Array.from(parts, (p) => p[0]);
    const inputs = [conv.inputs[0]!, conv.inputs[1]!, cx.fresh(`${node.outputs[0]}_bias`)];
    const init: [string, ReturnType<typeof f32>][] = [
      [
        inputs[2]!,
        f32(
          [m],
          parts.map((p) => p[1]),
        ),
      ],
    ];
    if (scale.some((s) => s !== 1)) {
      inputs[1] = cx.fresh(`${conv.inputs[1]}_scaled`);
      init.push([inputs[1], scaleOutputChannels(conv.opType, cw.w, cw.group, scale)]);
    }
    return { remove: [conv, node], add: [withInputs(conv, inputs, [node.outputs[0]!])], initializers: init };
  }
  return undefined;
}

export const fuseConvAffineRules: Rule[] = [
  { name: 'fold-mul-into-conv', roots: ['Mul', 'Div'], match },
  { name: 'fold-add-into-conv-bias', roots: ['Add', 'Sub'], match },
];

export const fuseConvAffine = rulePass(fuseConvAffineRules);
