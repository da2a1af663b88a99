import type { QuantAnnotation } from '../../formats/tflite/ir-extras.js';
import type { Graph, Model, Node } from '../../ir/graph.js';
import { FIXED_OUTPUTS, int8RuleOf } from '../../tflite/ops/index.js';
import { exactLog2, type Rounding } from './fixed-point.js';
import type { AffineKernels, Arithmetic, BiasMode, Scheme } from './types.js';

export interface IntegerExecutorOptions {
  /** Default: read from the file (`detectScheme`). */
  scheme?: Scheme;
  /** pow2 rescale rounding; default 'floor', the hardware's truncation. */
  rounding?: Rounding;
  /** pow2 bias handling; default read from the biases (see `detectBiasMode`). */
  biasMode?: BiasMode;
  /** affine kernels: 'litert' (default, what LiteRT computes) or TFLite's 'reference' kernels. */
  affineKernels?: AffineKernels;
  /**
   * Run conv, FC and their requantization in WebAssembly SIMD (default true where available). The JS
   * loops compute the same numbers; false forces them (tests compare the two).
   */
  wasm?: boolean;
}

export function annotationOf(extra: Record<string, unknown> | undefined): QuantAnnotation | undefined {
  const q = extra?.quantization as QuantAnnotation | undefined;
  return q && q.scale.length ? q : undefined;
}

/** The parameters the spec fixes for some outputs (LOGISTIC, SOFTMAX, TANH): allowed zero points in pow2. */
const SPEC_OUTPUTS = [...FIXED_OUTPUTS.values()];

/** A weighted op's (data input, weights, bias) slots, from its builtin's int8 rule. */
function weightedSlots(node: Node): { input: number; weight: number; bias?: number } | undefined {
  const rule = int8RuleOf(node);
  return rule?.weight
    ? { input: rule.activations(node)[0]!, weight: rule.weight.index, bias: rule.bias }
    : undefined;
}

/**
 * pow2 when every int8 zero point is 0 (the parameters the TFLite spec fixes for LOGISTIC, SOFTMAX and
 * TANH outputs excepted) and the weights of every weighted op (conv, FC) have power-of-two scales. Activation scales
 * are 2^n / input_scale, powers of two only relative to each other, so the weights are what tells the
 * schemes apart (affine weight scales are max|w| / 127).
 */
export function detectScheme(g: Graph): Scheme {
  const int8 = (name: string) => {
    const t = g.typeOf(name);
    return t?.kind === 'tensor' && t.dtype === 'int8';
  };
  const values = [...g.valueInfo.values(), ...g.inputs, ...g.outputs].filter((v) => int8(v.name));
  const constants = [...g.initializers.values()].filter((t) => t.dtype === 'int8');
  const all = [...values.map((v) => v.extra), ...constants.map((t) => t.extra)].map(annotationOf);
  const weights = g.nodes.flatMap((n) => {
    const w = weightedSlots(n)?.weight;
    return w !== undefined && n.inputs[w] ? [annotationOf(g.initializers.get(n.inputs[w])?.extra)] : [];
  });
  if (!all.some((q) => q)) return 'affine';
  const zeroOk = (q: QuantAnnotation | undefined) =>
    !q ||
    q.zeroPoint.every(
      (z, i) =>
        z === 0 ||
        SPEC_OUTPUTS.some((p) => p.zeroPoint === z && Math.fround(p.scale) === Math.fround(q.scale[i]!)),
    );
  const pow2Scales = (q: QuantAnnotation | undefined) =>
    !q || q.scale.every((s) => exactLog2(Math.fround(s)) !== undefined);
  return all.every(zeroOk) && weights.every(pow2Scales) ? 'pow2' : 'affine';
}

/**
 * B8 files store b8 2^k, so every bias is a multiple of its channel's 2^k; B16 files store a 16-bit bias.
 * A bias past int16 that is such a multiple can only be B8. Where both readings fit, they compute the same
 * outputs (floor((acc + m 2^k) / 2^k) = floor(acc / 2^k) + m), so B16 is as good an answer.
 */
export function detectBiasMode(g: Graph): BiasMode {
  const scaleOf = (name: string): number[] | undefined => {
    const extra =
      g.initializers.get(name)?.extra ??
      g.valueInfo.get(name)?.extra ??
      [...g.inputs, ...g.outputs].find((v) => v.name === name)?.extra;
    return annotationOf(extra)?.scale.map(Math.fround);
  };
  let beyond16 = false;
  for (const node of g.nodes) {
    const slots = weightedSlots(node);
    if (slots?.bias === undefined || !node.inputs[slots.bias]) continue;
    const bias = g.initializers.get(node.inputs[slots.bias]!);
    const sIn = scaleOf(node.inputs[slots.input]!)?.[0];
    const sW = scaleOf(node.inputs[slots.weight]!);
    const sOut = scaleOf(node.outputs[0]!)?.[0];
    if (!bias || bias.dtype !== 'int32' || !sIn || !sW || !sOut) continue;
    const values = bias.data as Int32Array;
    for (let c = 0; c < values.length; c++) {
      const k = exactLog2(sOut / (sIn * sW[sW.length === 1 ? 0 : c]!)) ?? 0;
      const v = values[c]!;
      if (k > 0 && v % 2 ** k !== 0) return 'B16';
      if (v > 32767 || v < -32768) beyond16 = true;
    }
  }
  return beyond16 ? 'B8' : 'B16';
}

export function resolveArithmetic(model: Model, opts: IntegerExecutorOptions = {}): Arithmetic {
  const scheme = opts.scheme ?? detectScheme(model.graph);
  return {
    scheme,
    rounding: opts.rounding ?? 'floor',
    biasMode: opts.biasMode ?? (scheme === 'pow2' ? detectBiasMode(model.graph) : 'B16'),
    affineKernels: opts.affineKernels ?? 'litert',
  };
}
