import { Tensor } from '../../ir/tensor.js';
import { affineChannelScales, maxAbsPerChannel, type QParams } from '../../quant/params.js';
import { reshapeTensor, transposeTensor } from '../layout-math.js';
import { quantizeValues, realValues, withParams } from '../quant-util.js';
import type { LowerContext } from './types.js';
import { floatConstant } from './constants.js';

/**
 * Conv/FC weights in TFLite layout (`perm` applied to the ONNX weight whose output channels are axis
 * `outAxis`). int8: the QDQ graph's int8 weights as they are when symmetric (TFLite int8 spec: weights
 * zero point 0), else quantized symmetric per output channel; float: float32.
 */
export function weightTensor(cx: LowerContext, t: Tensor, perm: number[], outAxis: number): Tensor {
  if (!cx.int8) return transposeTensor(floatConstant(t), perm);
  const q = t.quant;
  if (t.dtype === 'int8' && q && q.zeroPoint.every((z) => z === 0)) return transposeTensor(t, perm);
  const values = realValues(t);
  const scale = affineChannelScales(maxAbsPerChannel(values, t.dims, outAxis));
  const params: QParams = { scale, zeroPoint: new Int32Array(scale.length), axis: outAxis };
  return transposeTensor(quantizeValues(values, t.dims, params, 'int8'), perm);
}

/** Weights scaled by `alpha` (Gemm's alpha): int8 weights keep their values and scale their scales. */
export function scaledWeights(t: Tensor, alpha: number): Tensor {
  if (alpha === 1) return t;
  const q = t.quant;
  if (q) return withParams(t, { ...q, scale: q.scale.map((s) => s * alpha) });
  return Tensor.float32(
    t.dims,
    floatConstant(t)
      .toFloat32()
      .map((v) => v * alpha),
  );
}

/**
 * The bias of a conv or FC op with `channels` outputs: int32 at scale s_in * s_w per channel, zero point
 * 0 (TFLite int8 spec), reusing the QDQ graph's int32 bias when its scales are exactly those; int64
 * behind an int16 input (16x8); float32 for a float op. A missing bias is zeros. `beta` scales it (Gemm).
 */
export function biasTensor(
  cx: LowerContext,
  bias: Tensor | undefined,
  channels: number,
  weights: Tensor,
  beta = 1,
): Tensor {
  const values = bias
    ? broadcastTo(realValues(bias), channels).map((v) => v * beta)
    : new Float32Array(channels);
  if (!cx.int8) return Tensor.float32([channels], values);
  const sIn = cx.inParams(0)!.scale[0]!;
  const wScales = weights.quant!.scale;
  const scale = Float64Array.from(wScales, (s) => sIn * s);
  const params: QParams = {
    scale,
    zeroPoint: new Int32Array(scale.length),
    ...(scale.length > 1 ? { axis: 0 } : {}),
  };
  // 16x8 kernels (int16 input) take an int64 bias at the same scale.
  if (cx.inParams(0)!.bits === 16) return quantizeValues(values, [channels], params, 'int64');
  const q = bias?.quant;
  const reusable =
    beta === 1 &&
    bias?.dtype === 'int32' &&
    bias.size === channels &&
    q!.scale.length === scale.length &&
    q!.scale.every((s, c) => Math.fround(s) === Math.fround(scale[c]!));
  if (reusable) return withParams(reshapeTensor(bias, [channels]), params);
  return quantizeValues(values, [channels], params, 'int32');
}

function broadcastTo(values: Float32Array, n: number): Float32Array {
  if (values.length === n) return values;
  if (values.length === 1) return new Float32Array(n).fill(values[0]!);
  throw new RangeError(`a bias of ${values.length} values cannot serve ${n} channels`);
}
