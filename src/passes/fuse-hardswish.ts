import { attrFloat } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import { clipBounds } from '../ops/Clip.js';
import { rulePass, type Rule, type RuleContext } from './rewrite.js';

/**
 * HardSwish (opset 14) from its decompositions: x * HardSigmoid(x) with alpha 1/6 and beta 1/2, and
 * x * Clip(x + 3, 0, 6) / 6 (PaddlePaddle's export; the / 6 as Div by 6 or Mul by 1/6, on the product or
 * on the Clip). One op instead of four: one int8 kernel in TFLite (HARD_SWISH), and one tensor to
 * quantize instead of three (x + 3 and the product each needed their own range).
 *
 * The rules match at opset >= 14 only. The optimizer moves a model at an older opset whose graph holds
 * these patterns to 14 (upgradeOpset rewrites the ops whose signature changed; the quantizer moves every
 * model to 13 anyway), so PaddleOCR's opset 9 and 11 exports get HardSwish too.
 */
export const HARDSWISH_OPSET = 14;

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
const scalarIs = (cx: RuleContext, name: string | undefined, v: number) => {
  const t = name ? cx.constant(name) : undefined;
  return !!t && t.size === 1 && t.dtype === 'float32' && near(t.toNumbers()[0]!, v);
};

function hardSwish(template: Node, x: string, out: string): Node {
  return { name: template.name, opType: 'HardSwish', domain: '', inputs: [x], outputs: [out], attrs: {} };
}

/** The other input of a binary node when one input is the scalar constant `v`. */
function otherThanScalar(node: Node, cx: RuleContext, v: number): 0 | 1 | undefined {
  if (node.inputs.length !== 2) return undefined;
  if (scalarIs(cx, node.inputs[1], v)) return 0;
  if (node.opType !== 'Div' && scalarIs(cx, node.inputs[0], v)) return 1;
  return undefined;
}

/** `node` divides input `side`'s value by 6 (Div by 6, Mul by 1/6): the side, or undefined. */
function byOneSixth(node: Node, cx: RuleContext): 0 | 1 | undefined {
  if (node.opType === 'Div') return otherThanScalar(node, cx, 6);
  if (node.opType === 'Mul') return otherThanScalar(node, cx, 1 / 6);
  return undefined;
}

/** Clip(Add(x, 3), 0, 6) (or Add(3, x)), read only here: x. */
function relu6OfXPlus3(clip: Node | undefined, cx: RuleContext): { x: string; nodes: Node[] } | undefined {
  if (clip?.opType !== 'Clip') return undefined;
  const b = clipBounds(clip, (n) => cx.constant(n));
  if (!b || b.min !== 0 || b.max !== 6) return undefined;
  const add = cx.soleProducer(clip, 0);
  if (add?.opType !== 'Add') return undefined;
  const side = otherThanScalar(add, cx, 3);
  return side === undefined ? undefined : { x: add.inputs[side]!, nodes: [add, clip] };
}

const fromHardSigmoid: Rule = {
  name: 'fuse-hardswish',
  roots: ['Mul'],
  match(mul, cx) {
    if (cx.opset < HARDSWISH_OPSET) return undefined;
    for (const side of [0, 1]) {
      const hs = cx.soleProducer(mul, side);
      const x = mul.inputs[1 - side]!;
      if (hs?.opType !== 'HardSigmoid' || hs.inputs[0] !== x) continue;
      if (!near(attrFloat(hs, 'alpha', 0.2), 1 / 6) || !near(attrFloat(hs, 'beta', 0.5), 0.5)) continue;
      return { remove: [hs, mul], add: [hardSwish(mul, x, mul.outputs[0]!)] };
    }
    return undefined;
  },
};

/** (x * Clip(x + 3, 0, 6)) / 6, the division as Div by 6 or Mul by 1/6. */
const fromClipThenDivide: Rule = {
  name: 'fuse-hardswish',
  roots: ['Div', 'Mul'],
  match(div, cx) {
    if (cx.opset < HARDSWISH_OPSET) return undefined;
    const k = byOneSixth(div, cx);
    const mul = k === undefined ? undefined : cx.soleProducer(div, k);
    if (mul?.opType !== 'Mul') return undefined;
    for (const side of [0, 1]) {
      const r = relu6OfXPlus3(cx.soleProducer(mul, side), cx);
      if (!r || r.x !== mul.inputs[1 - side]) continue;
      return { remove: [...r.nodes, mul, div], add: [hardSwish(div, r.x, div.outputs[0]!)] };
    }
    return undefined;
  },
};

/** x * (Clip(x + 3, 0, 6) / 6), the division as Div by 6 or Mul by 1/6. */
const fromDividedClip: Rule = {
  name: 'fuse-hardswish',
  roots: ['Mul'],
  match(mul, cx) {
    if (cx.opset < HARDSWISH_OPSET) return undefined;
    for (const side of [0, 1]) {
      const div = cx.soleProducer(mul, side);
      const k = div ? byOneSixth(div, cx) : undefined;
      if (!div || k === undefined) continue;
      const r = relu6OfXPlus3(cx.soleProducer(div, k), cx);
      if (!r || r.x !== mul.inputs[1 - side]) continue;
      return { remove: [...r.nodes, div, mul], add: [hardSwish(mul, r.x, mul.outputs[0]!)] };
    }
    return undefined;
  },
};

export const fuseHardSwishRules: Rule[] = [fromHardSigmoid, fromClipThenDivide, fromDividedClip];

export const fuseHardSwish = rulePass(fuseHardSwishRules);
