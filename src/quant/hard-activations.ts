import { attrFloat } from '../ir/attrs.js';
import { opsetVersion, type Graph, type Model, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { rulePass, type Rule, type RuleContext } from '../passes/rewrite.js';

/**
 * Writes the quantized HardSigmoid of a QDQ graph as ops ONNX Runtime fuses into integer kernels
 * (QLinearAdd). ORT has no integer HardSigmoid kernel and runs it in float between DequantizeLinear and
 * QuantizeLinear; in PP-OCRv4 det the hard activations were the largest float cost left, and int8 det was
 * no faster than float (a tie) until this (see the closing note of issue #5 for the bench figures). Only
 * the .onnx gets this (before activationsAsUint8 in the QDQ form); the .tflite lowers HardSigmoid in its
 * converter rule (src/ops/HardSigmoid.ts).
 *
 * HardSigmoid, clamp(alpha x + beta, 0, 1), read by a QuantizeLinear (s, z) whose grid lies in [0, 1]:
 *
 *   DQ(x) -> Add(x, beta / alpha) -> Q(s / alpha, z)      (the DequantizeLinear after it keeps s)
 *
 * alpha (x + beta / alpha) / s is the same number as (alpha x + beta) / s, and the grid saturates where the
 * clamp would, so the integers are the same as before: exact, nothing lost.
 *
 * HardSwish never reaches this pass quantized: splitHardSwishPass writes it as x * HardSigmoid(x) before
 * quantization under both schemes (an excluded HardSwish stays float), so the HardSigmoid rule covers it.
 *
 * A rule of the rewrite engine; the constants each rewrite adds are shared again by the caller
 * (shareConstants).
 */
export function hardActivationsAsIntegerOps(model: Model): Graph {
  const ctx = { opset: opsetVersion(model) ?? 13, irVersion: model.irVersion };
  return rulePass([hardSigmoid])(model.graph, ctx).graph;
}

const hardSigmoid: Rule = {
  name: 'hard-sigmoid-integer',
  roots: ['HardSigmoid'],
  match(n, cx) {
    if (!exactOnItsGrid(n, cx)) return undefined;
    const { alpha, beta } = hardSigmoidParams(n);
    const [x, y] = [n.inputs[0]!, n.outputs[0]!];
    const base = n.name || y;
    const added = new Added(cx);
    const quantizers = cx.consumers(y);
    return {
      remove: [n, ...quantizers],
      add: [
        ...added.constant(beta / alpha),
        node('Add', `${base}_add`, [x, added.last], y),
        // each QuantizeLinear again, at its scale / alpha
        ...quantizers.map((q) => {
          const s = cx.constant(q.inputs[1]!)!.toFloat32()[0]!;
          const scale = added.float(`${base}_scale_over_alpha`, s / alpha);
          return { ...q, inputs: [y, scale, ...q.inputs.slice(2)] };
        }),
      ],
      initializers: added.initializers,
    };
  },
};

/** The initializers (and constant DequantizeLinear) one rewrite adds, under fresh names. */
class Added {
  readonly initializers: [string, Tensor][] = [];
  /** The output of the last `constant`. */
  last = '';

  constructor(private readonly cx: RuleContext) {}

  float(base: string, v: number): string {
    return this.add(base, Tensor.float32([], [v]));
  }

  int8(base: string, v: number): string {
    return this.add(base, new Tensor('int8', [], Int8Array.of(v)));
  }

  /**
   * A float constant c > 0 as ORT's QLinearAdd wants it: DequantizeLinear of int8 127 at c / 127, one per
   * value in the graph (a later rewrite reads the one an earlier one added).
   */
  constant(c: number): Node[] {
    const shared = `hard_const_${c}`;
    const existing = this.cx.producer(shared);
    if (existing?.opType === 'DequantizeLinear' && existing.name === shared) {
      this.last = shared;
      return [];
    }
    const values = this.int8(`${shared}_q`, 127);
    const scale = this.float(`${shared}_scale`, c / 127);
    const zero = this.int8('hard_zp_0', 0);
    this.last = this.cx.fresh(shared);
    return [node('DequantizeLinear', this.last, [values, scale, zero], this.last)];
  }

  private add(base: string, t: Tensor): string {
    const name = this.cx.fresh(base);
    this.initializers.push([name, t]);
    return name;
  }
}

const node = (opType: string, name: string, inputs: string[], output: string): Node => ({
  name,
  opType,
  domain: '',
  inputs,
  outputs: [output],
  attrs: {},
});

function hardSigmoidParams(n: Node): { alpha: number; beta: number } {
  return { alpha: attrFloat(n, 'alpha', 0.2), beta: attrFloat(n, 'beta', 0.5) };
}

/** Reads a DequantizeLinear; only QuantizeLinear nodes read its output (int8 in and out). */
function isQuantized(n: Node, cx: RuleContext): boolean {
  if (cx.producer(n.inputs[0]!)?.opType !== 'DequantizeLinear') return false;
  const readers = cx.consumers(n.outputs[0]!);
  return (
    readers.length > 0 &&
    !cx.isGraphOutput(n.outputs[0]!) &&
    readers.every((r) => r.opType === 'QuantizeLinear' && r.domain === '')
  );
}

/**
 * A quantized HardSigmoid whose output grids (per-tensor int8) start at 0 and end at most half a step
 * past 1, so that the QuantizeLinear's saturation is the clamp; and whose Add constant ORT can take.
 */
function exactOnItsGrid(n: Node, cx: RuleContext): boolean {
  if (!isQuantized(n, cx)) return false;
  const { alpha, beta } = hardSigmoidParams(n);
  if (!(alpha > 0 && beta > 0)) return false;
  return cx.consumers(n.outputs[0]!).every((q) => {
    const [scale, zp] = [cx.constant(q.inputs[1]!), q.inputs[2] ? cx.constant(q.inputs[2]) : undefined];
    if (!scale || scale.data.length !== 1 || !zp || zp.dtype !== 'int8' || zp.data.length !== 1) return false;
    const s = scale.toFloat32()[0]!;
    return Number(zp.data[0]) === -128 && s * 255 <= 1 + s / 2;
  });
}
