import { Tensor } from '../../ir/tensor.js';
import { clampInt, quantizeBias, type QParams } from '../params.js';
import type { QuantizedWeight, WeightSettings } from '../qdq.js';

/** `p` with its scales rounded to float32, as the .tflite will hold them. */
export function float32Params(p: QParams): QParams {
  return { ...p, scale: p.scale.map(Math.fround) };
}

/** A tensor of `dtype` over `data` carrying the source's extras plus its quantization parameters. */
function annotated(
  source: Tensor,
  dtype: 'int8' | 'int32',
  dims: readonly number[],
  data: Int8Array | Int32Array,
  p: QParams,
) {
  const t = new Tensor(dtype, dims, data);
  t.extra = source.extra;
  t.quant = float32Params(p);
  return t;
}

/** A weight as quantizeAllWeights made it (symmetric int8, per channel or not), as a TFLite tensor. */
export function int8Weight(source: Tensor, q: QuantizedWeight): Tensor {
  return annotated(source, 'int8', q.dims, q.values, q.params);
}

/**
 * The bias int32 at the accumulator's scale s_in * s_w per channel (TFLite int8 spec), holding what the
 * scheme says (params.ts): affine round(b / (s_in s_w)); pow2 B16 a 16-bit value; pow2 B8 b8 * 2^k.
 * Scales are the float32 product TFLite checks the bias against.
 */
export function quantizeBiasTensor(
  bias: Tensor,
  inputScale: number,
  weight: QParams,
  outputScale: number,
  s: WeightSettings,
): Tensor {
  const b = bias.toFloat32();
  const perChannel = weight.scale.length > 1;
  const product = (c: number) =>
    Math.fround(Math.fround(inputScale) * Math.fround(weight.scale[perChannel ? c : 0]!));
  const wScales = Float64Array.from(weight.scale, (w) => Math.fround(w));
  const q = quantizeBias(
    b,
    Math.fround(inputScale),
    wScales,
    s.scheme === 'affine' ? 'affine' : s.biasMode,
    outputScale,
    s.rounding,
  );
  const scale = Float64Array.from({ length: perChannel ? b.length : 1 }, (_, c) => product(c));
  const params: QParams = {
    scale,
    zeroPoint: new Int32Array(scale.length),
    axis: perChannel ? 0 : undefined,
  };
  return annotated(bias, 'int32', bias.dims, q, params);
}

const roundAway = (v: number): number => Math.sign(v) * Math.round(Math.abs(v));

/** A constant read where int8 activations are (ADD operand, concatenated table, ...), at params `p`. */
export function quantizeConstant(t: Tensor, p: QParams): Tensor {
  const values = t.toFloat32();
  const [s, z] = [p.scale[0]!, p.zeroPoint[0]!];
  const q = Int8Array.from(values, (v) => clampInt(roundAway(v / s) + z, -128, 127));
  return annotated(t, 'int8', t.dims, q, p);
}
