import { str } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import { rulePass, type Rule, type RuleContext } from './rewrite.js';

/**
 * GELU written out with Erf, x * 0.5 * (1 + erf(x / sqrt 2)), as BERT-style exporters leave it, or in the
 * tanh form x * 0.5 * (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))) (the cube as Pow(x, 3)): one Gelu node
 * (opset 20's, approximate 'none' or 'tanh'). Erf has no TFLite builtin; GELU has (int8 too). The converter
 * runs this on its own copy of the graph (src/convert/prepare.ts), so the written .onnx keeps the opset it
 * had. Accepted: the scaling as Div by sqrt 2 or Mul by 1/sqrt 2, the 0.5 on either product, operands in
 * either order.
 */
const near = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b));

function scalar(cx: RuleContext, name: string | undefined): number | undefined {
  const t = name ? cx.constant(name) : undefined;
  return t && t.size === 1 && t.dtype === 'float32' ? t.toNumbers()[0] : undefined;
}

/** The input of `node` other than the scalar constant `v` (either side), or undefined. */
function besideScalar(node: Node | undefined, cx: RuleContext, v: number): string | undefined {
  if (!node || node.inputs.length !== 2) return undefined;
  for (const side of [0, 1]) {
    const k = scalar(cx, node.inputs[1 - side]);
    if (k !== undefined && near(k, v)) return node.inputs[side];
  }
  return undefined;
}

interface Inner {
  x: string;
  nodes: Node[];
  tanh: boolean;
}

/** 1 + erf(x / sqrt 2) or 1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)) produced by `add`, read only here. */
function onePlus(add: Node | undefined, cx: RuleContext): Inner | undefined {
  if (add?.opType !== 'Add') return undefined;
  const e = besideScalar(add, cx, 1);
  const f = e ? cx.producer(e) : undefined;
  if (!f || cx.consumers(e!).length !== 1 || cx.consumers(add.outputs[0]!).length !== 1) return undefined;
  if (f.opType === 'Tanh') return tanhForm(f, add, cx);
  const erf = f;
  if (erf.opType !== 'Erf') return undefined;
  const scale = cx.producer(erf.inputs[0]!);
  const x =
    scale?.opType === 'Div'
      ? near(scalar(cx, scale.inputs[1]) ?? 0, Math.SQRT2)
        ? scale.inputs[0]
        : undefined
      : scale?.opType === 'Mul'
        ? besideScalar(scale, cx, Math.SQRT1_2)
        : undefined;
  if (!x || cx.consumers(erf.inputs[0]!).length !== 1 || cx.consumers(add.outputs[0]!).length !== 1)
    return undefined;
  return { x, nodes: [scale!, erf, add], tanh: false };
}

/** tanh(sqrt(2 / pi) * (x + 0.044715 * Pow(x, 3))), each step read only by the next. */
function tanhForm(tanh: Node, add: Node, cx: RuleContext): Inner | undefined {
  const only = (n: Node | undefined) => (n && cx.consumers(n.outputs[0]!).length === 1 ? n : undefined);
  const scaled = only(cx.producer(tanh.inputs[0]!));
  const sum = besideScalar(scaled?.opType === 'Mul' ? scaled : undefined, cx, Math.sqrt(2 / Math.PI));
  const inner = only(sum ? cx.producer(sum) : undefined);
  if (inner?.opType !== 'Add') return undefined;
  for (const side of [0, 1]) {
    const x = inner.inputs[side]!;
    const cubic = only(cx.producer(inner.inputs[1 - side]!));
    const cube = besideScalar(cubic?.opType === 'Mul' ? cubic : undefined, cx, 0.044715);
    const pow = only(cube ? cx.producer(cube) : undefined);
    if (pow?.opType !== 'Pow' || pow.inputs[0] !== x || !near(scalar(cx, pow.inputs[1]) ?? 0, 3)) continue;
    return { x, nodes: [pow, cubic!, inner, scaled!, tanh, add], tanh: true };
  }
  return undefined;
}

const fromWrittenOut: Rule = {
  name: 'fuse-gelu',
  roots: ['Mul'],
  match(root, cx) {
    for (const side of [0, 1]) {
      const inner = cx.producer(root.inputs[side]!);
      if (inner?.opType !== 'Mul' || cx.consumers(inner.outputs[0]!).length !== 1) continue;
      const other = root.inputs[1 - side]!;
      // (x * (1 + erf)) * 0.5, or (x * 0.5) * (1 + erf)
      const half = scalar(cx, other);
      const found =
        half !== undefined && near(half, 0.5)
          ? [0, 1].map((k) => ({ x: inner.inputs[1 - k]!, t: onePlus(cx.producer(inner.inputs[k]!), cx) }))
          : [{ x: besideScalar(inner, cx, 0.5), t: onePlus(cx.producer(other), cx) }];
      for (const { x, t } of found) {
        if (!t || !x || t.x !== x) continue;
        const gelu: Node = {
          name: root.name,
          opType: 'Gelu',
          domain: '',
          inputs: [x],
          outputs: [root.outputs[0]!],
          attrs: { approximate: str(t.tanh ? 'tanh' : 'none') },
        };
        return { remove: [...t.nodes, inner, root], add: [gelu] };
      }
    }
    return undefined;
  },
};

export const fuseGelu = rulePass([fromWrittenOut]);
