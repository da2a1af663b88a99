import type { QuantAnnotation } from '../../formats/tflite/ir-extras.js';
import type { Graph, Model } from '../../ir/graph.js';
import { exactLog2, type Rounding } from './fixed-point.js';
import type { AffineKernels, Arithmetic, BiasMode, Scheme } from './types.js';

export interface IntegerExecutorOptions {
  /** Default: pow2 when every int8/int32 scale is a power of two with zero point 0 (or the spec's 1/256, -128). */
  scheme?: Scheme;
  /** pow2 rescale rounding; default 'floor', the hardware's truncation. */
  rounding?: Rounding;
  /** pow2 bias handling; default read from the biases (see `detectBiasMode`). */
  biasMode?: BiasMode;
  /** affine kernels: 'litert' (default, what LiteRT computes) or TFLite's 'reference' kernels. */
  affineKernels?: AffineKernels;
}

export function annotationOf(extra: Record<string, unknown> | undefined): QuantAnnotation | undefined {
  const q = extra?.quantization as QuantAnnotation | undefined;
  return q && q.scale.length ? q : undefined;
}

/** Every quantization annotation in the graph: constants, inputs, outputs and intermediate values. */
function annotations(g: Graph): QuantAnnotation[] {
  const extras = [
    ...[...g.initializers.values()].map((t) => t.extra),
    ...[...g.valueInfo.values(), ...g.inputs, ...g.outputs].map((v) => v.extra),
  ];
  return extras.map(annotationOf).filter((q): q is QuantAnnotation => q !== undefined);
}

const SPEC_SCALE = 1 / 256;

/** pow2 when every scale is 2^n and every zero point 0, the spec-fixed 1/256, -128 excepted. */
export function detectScheme(g: Graph): Scheme {
  const all = annotations(g);
  const pow2 = all.every((q) =>
    q.scale.every((s, i) => {
      const z = q.zeroPoint[i] ?? q.zeroPoint[0] ?? 0;
      const f = Math.fround(s);
      return exactLog2(f) !== undefined && (z === 0 || (f === SPEC_SCALE && z === -128));
    }),
  );
  return all.length > 0 && pow2 ? 'pow2' : 'affine';
}

const MAC_OPS = new Set(['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED']);

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
    if (!MAC_OPS.has(node.opType) || !node.inputs[2]) continue;
    const bias = g.initializers.get(node.inputs[2]);
    const sIn = scaleOf(node.inputs[0]!)?.[0];
    const sW = scaleOf(node.inputs[1]!);
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
