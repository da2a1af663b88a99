import { attrFloat } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import { clipBounds } from '../ops/Clip.js';
import { rulePass, type Rule, type RuleContext } from './rewrite.js';

/**
 * HardSwish (opset 14) from its decompositions: x * HardSigmoid(x) with alpha 1/6 and beta 1/2, and
 * x * Clip(x + 3, 0, 6) / 6. Models that import an older opset keep the decomposition: bumping their
 * opset would change the meaning of other ops (Clip, Slice, Resize...).
 */

const near = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
const scalarIs = (cx: RuleContext, name: string | undefined, v: number) => {
  const t = name ? cx.constant(name) : undefined;
  return !!t && t.size === 1 && t.dtype === 'float32' && near(t.toNumbers()[0]!, v);
};

function hardSwish(template: Node, x: string, out: string): Node {
  return { name: template.name, opType: 'HardSwish', domain: '', inputs: [x], outputs: [out], attrs: {} };
}

const fromHardSigmoid: Rule = {
  name: 'fuse-hardswish',
  roots: ['Mul'],
  match(mul, cx) {
    if (cx.opset < 14) return undefined;
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

/** Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6). */
const fromClip: Rule = {
  name: 'fuse-hardswish',
  roots: ['Div'],
  match(div, cx) {
    if (cx.opset < 14 || !scalarIs(cx, div.inputs[1], 6)) return undefined;
    const mul = cx.soleProducer(div, 0);
    if (mul?.opType !== 'Mul') return undefined;
    for (const side of [0, 1]) {
      const clip = cx.soleProducer(mul, side);
      const x = mul.inputs[1 - side]!;
      if (clip?.opType !== 'Clip') continue;
      const b = clipBounds(clip, (n) => cx.constant(n));
      const add = cx.soleProducer(clip, 0);
      if (!b || b.min !== 0 || b.max !== 6 || add?.opType !== 'Add') continue;
      const k = add.inputs.indexOf(x);
      if (k < 0 || !scalarIs(cx, add.inputs[1 - k], 3)) continue;
      return { remove: [add, clip, mul, div], add: [hardSwish(div, x, div.outputs[0]!)] };
    }
    return undefined;
  },
};

export const fuseHardSwishRules: Rule[] = [fromHardSigmoid, fromClip];

export const fuseHardSwish = rulePass(fuseHardSwishRules);
