import { attrInt } from '../../../../ir/attrs.js';
import { clamp, roundHalfAway } from '../../fixed-point.js';
import type { Data, KernelContext, OutputSpec, QParams, ValueMeta } from '../../types.js';

/** An error that names the node and op it happened in. */
export class KernelError extends Error {
  constructor(cx: KernelContext, message: string) {
    super(`integer executor: node '${cx.node.name}' (${cx.node.opType}): ${message}`);
    this.name = 'KernelError';
  }
}

export const INT8_MIN = -128;
export const INT8_MAX = 127;

export interface Scalar {
  /** The float32 scale, as a double. */
  scale: number;
  zeroPoint: number;
}

/** Per-tensor parameters of an int8 input or output; throws when there are none or several scales. */
export function scalarParams(cx: KernelContext, v: ValueMeta | OutputSpec | undefined, what: string): Scalar {
  const q = v?.q;
  if (!q || q.scale.length === 0)
    throw new KernelError(cx, `${what} '${v?.name ?? ''}' has no quantization parameters`);
  if (q.scale.length !== 1) throw new KernelError(cx, `${what} '${v!.name}' must be quantized per tensor`);
  return { scale: Math.fround(q.scale[0]!), zeroPoint: q.zeroPoint[0] ?? 0 };
}

export const inputParams = (cx: KernelContext, i: number): Scalar =>
  scalarParams(cx, cx.inputs[i], `input ${i}`);
/** Output parameters; ops that move values unchanged fall back to their input's. */
export function outputParams(cx: KernelContext, i: number, fallbackInput?: number): Scalar {
  const out = cx.outputs[i];
  if (!out?.q && fallbackInput !== undefined) return inputParams(cx, fallbackInput);
  return scalarParams(cx, out, `output ${i}`);
}

/** Per-channel (or per-tensor) float32 scales of a constant weight, one per channel. */
export function channelScales(cx: KernelContext, w: ValueMeta, channels: number): number[] {
  const q = w.q;
  if (!q || q.scale.length === 0)
    throw new KernelError(cx, `weights '${w.name}' have no quantization parameters`);
  if (q.zeroPoint.some((z) => z !== 0)) throw new KernelError(cx, `weights '${w.name}' must be symmetric`);
  if (q.scale.length !== 1 && q.scale.length !== channels)
    throw new KernelError(cx, `weights '${w.name}' have ${q.scale.length} scales for ${channels} channels`);
  return Array.from({ length: channels }, (_, c) => Math.fround(q.scale[q.scale.length === 1 ? 0 : c]!));
}

/** TFLite ActivationFunctionType codes (schema.fbs). */
export const ACT = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3 } as const;

export const fusedActivation = (cx: KernelContext): number =>
  attrInt(cx.node, 'fused_activation_function', 0);

/**
 * The int8 range a fused activation clamps to (TFLite CalculateActivationRangeQuantized): the activation's
 * real bounds quantized with the output's parameters, float32 division, rounded half away from zero.
 */
export function activationRange(cx: KernelContext, code: number, out: Scalar): [number, number] {
  const q = (f: number) => out.zeroPoint + roundHalfAway(Math.fround(f / out.scale));
  switch (code) {
    case ACT.NONE:
      return [INT8_MIN, INT8_MAX];
    case ACT.RELU:
      return [Math.max(INT8_MIN, q(0)), INT8_MAX];
    case ACT.RELU6:
      return [Math.max(INT8_MIN, q(0)), Math.min(INT8_MAX, q(6))];
    case ACT.RELU_N1_TO_1:
      return [Math.max(INT8_MIN, q(-1)), Math.min(INT8_MAX, q(1))];
    default:
      throw new KernelError(
        cx,
        `fused activation ${code} is not supported (NONE, RELU, RELU_N1_TO_1, RELU6 are)`,
      );
  }
}

export function requireDtype(cx: KernelContext, i: number, ...dtypes: string[]): ValueMeta {
  const v = cx.inputs[i];
  if (!v) throw new KernelError(cx, `input ${i} is missing`);
  if (!dtypes.includes(v.dtype))
    throw new KernelError(
      cx,
      `input ${i} '${v.name}' is ${v.dtype}; this kernel takes ${dtypes.join(' or ')}`,
    );
  return v;
}

/**
 * The operands of a weighted op (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED; TRANSPOSE_CONV has them at
 * other inputs): int8 input, constant int8 weights, optional constant int32 bias.
 */
export function weightedOperands(
  cx: KernelContext,
  at = { x: 0, w: 1, b: 2 },
): { x: ValueMeta; w: ValueMeta; b?: ValueMeta } {
  const x = requireDtype(cx, at.x, 'int8');
  const w = requireDtype(cx, at.w, 'int8');
  const b = cx.inputs[at.b]?.name ? requireDtype(cx, at.b, 'int32') : undefined;
  if (!w.data) throw new KernelError(cx, 'weights must be constant');
  if (b && !b.data) throw new KernelError(cx, 'bias must be constant');
  return b ? { x, w, b } : { x, w };
}

/** The values of a constant integer input (axes, shapes, paddings, permutations). */
export function constantInts(cx: KernelContext, i: number, what: string): number[] {
  const v = cx.inputs[i];
  if (!v?.data) throw new KernelError(cx, `${what} (input ${i}) must be a constant`);
  return Array.from(v.data as ArrayLike<number | bigint>, (x) => Number(x));
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The 256-entry table of an int8 -> int8 function, indexed by q + 128. */
export function int8Table(f: (q: number) => number): Int8Array {
  const t = new Int8Array(256);
  for (let q = INT8_MIN; q <= INT8_MAX; q++) t[q + 128] = clamp(f(q), INT8_MIN, INT8_MAX);
  return t;
}

export function applyTable(table: Int8Array, x: Data, y: Data): void {
  const src = x as Int8Array;
  const dst = y as Int8Array;
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]! + 128]!;
}

export type { QParams };
