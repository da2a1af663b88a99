import { opsetVersion, type Graph, type Model, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { rulePass, type Rule, type RuleContext } from './rewrite.js';

/**
 * pow2 Add and Sub in the .onnx: rounding ties go up, as a shifter rounds to nearest (add half, shift) and
 * as LiteRT's int8 ADD and SUB do. An operand on a grid 2^k times finer than the sum's reaches it by a
 * shift of k bits, and a shifted-out half is a tie. ONNX Runtime computes the QDQ graph in float and its
 * QuantizeLinear rounds ties to even, so on PP-OCR cls a quarter of a residual Add's outputs were a step
 * from the .tflite's. The pass adds a quarter of the finest operand's step to the sum before its
 * QuantizeLinear:
 *
 *   DQ(a), DQ(b) -> Add -> Q(s)    becomes    DQ(a), DQ(b) -> Add -> Add(d) -> Q(s),  d = min(s_a, s_b) / 4
 *
 * Every sum is a multiple of min(s_a, s_b) (all scales are powers of two apart), so a sum that is not a
 * tie lies at least that far from one and d never moves it across; a tie moves up. Float32 holds each
 * value exactly (small integers times powers of two). Only the .onnx gets this: the .tflite's ADD rounds
 * so already, and the QDQ graph the converter reads keeps the plain Add.
 */
export function addTiesUp(model: Model): Graph {
  if (model.quantScheme?.scheme !== 'pow2') return model.graph;
  const ctx = { opset: opsetVersion(model) ?? 13, irVersion: model.irVersion };
  return rulePass([tiesUp])(model.graph, ctx).graph;
}

const tiesUp: Rule = {
  name: 'pow2-add-ties-up',
  roots: ['Add', 'Sub'],
  match(n, cx) {
    const step = tieStep(n, cx);
    if (step === undefined) return undefined;
    const y = n.outputs[0]!;
    const sum = cx.fresh(`${y}_sum`);
    const half = cx.fresh(`${n.name || y}_tie_up`);
    return {
      remove: [n],
      add: [
        { ...n, outputs: [sum] },
        {
          name: `${n.name || y}_tie_up`,
          opType: 'Add',
          domain: '',
          inputs: [sum, half],
          outputs: [y],
          attrs: {},
        },
      ],
      initializers: [[half, Tensor.float32([], [step / 4])]],
    };
  },
};

/**
 * The finest operand step of a quantized Add/Sub (both inputs DequantizeLinear, the output read only by
 * QuantizeLinear nodes of one scale) when it is finer than the output's by a power of two: where ties
 * occur. Undefined elsewhere (a non-power-of-two ratio leaves no exact ties).
 */
function tieStep(n: Node, cx: RuleContext): number | undefined {
  const scales = n.inputs.map((v) => {
    const dq = cx.producer(v);
    return dq?.opType === 'DequantizeLinear' ? quantScalar(cx, dq.inputs[1]) : undefined;
  });
  const readers = cx.consumers(n.outputs[0]!);
  if (!readers.length || cx.isGraphOutput(n.outputs[0]!)) return undefined;
  const out = readers.map((q) => (q.opType === 'QuantizeLinear' ? quantScalar(cx, q.inputs[1]) : undefined));
  const s = out[0];
  if (s === undefined || out.some((v) => v !== s) || scales.some((v) => v === undefined)) return undefined;
  const finest = Math.min(...(scales as number[]));
  const k = Math.log2(s / finest);
  return k >= 1 && Number.isInteger(k) && scales.every((v) => Number.isInteger(Math.log2(s / v!)))
    ? finest
    : undefined;
}

/** A float32 scalar constant (a per-tensor scale), or undefined. */
export function quantScalar(cx: RuleContext, name: string | undefined): number | undefined {
  const t = name ? cx.constant(name) : undefined;
  return t && t.data.length === 1 && t.dtype === 'float32' ? t.toFloat32()[0] : undefined;
}
