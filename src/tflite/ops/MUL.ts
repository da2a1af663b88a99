import {
  multiplyByQuantizedMultiplier,
  pow2Scaler,
  quantizeMultiplier,
  roundHalfEven,
} from '../../runtime/integer/fixed-point.js';
import { binaryKernel } from '../../runtime/integer/kernels/common/binary.js';
import { defineBuiltin } from './common/builtin.js';
import { elementwise } from './common/int8.js';
import { activation, optionsTable } from './common/options.js';
import { first, inp, is, out, type OpSig } from './common/version.js';

/**
 * affine (TFLite reference): z_out + MultiplyByQuantizedMultiplier((qa - za)(qb - zb), s_a s_b / s_out).
 * pow2: the product is at s_a s_b; one shift to the output's scale (`pow2Scaler`: exact where that is not
 * a power of two, as for two activations under an input_scale that is not one).
 */
const kernel = binaryKernel({
  opType: 'MUL',
  float32: (a, b) => a * b,
  int8: (cx, { a, b, out }) => {
    if (cx.arith.scheme === 'affine' && cx.arith.affineKernels === 'litert') {
      // XNNPACK (LiteRT's path): (float) product times s_a s_b / s_out in float32, rounded half to even.
      const scale = Math.fround(Math.fround(a.scale * b.scale) / out.scale);
      return (qa, qb) =>
        roundHalfEven(Math.fround((qa - a.zeroPoint) * (qb - b.zeroPoint) * scale)) + out.zeroPoint;
    }
    if (cx.arith.scheme === 'affine') {
      const m = quantizeMultiplier((a.scale * b.scale) / out.scale);
      return (qa, qb) =>
        multiplyByQuantizedMultiplier((qa - a.zeroPoint) * (qb - b.zeroPoint), m.multiplier, m.shift) +
        out.zeroPoint;
    }
    const scale = pow2Scaler((a.scale * b.scale) / out.scale, cx.arith.rounding);
    return (qa, qb) => scale((qa - a.zeroPoint) * (qb - b.zeroPoint)) + out.zeroPoint;
  },
});

export const MUL = defineBuiltin({
  name: 'MUL',
  options: optionsTable('MulOptions', [activation]),
  version: first(
    [(s) => (is(inp(s, 0), 'INT16') && inp(s, 0).scales === 0) || is(inp(s, 0), 'UINT32'), 7],
    [(s) => is(inp(s, 0), 'COMPLEX64'), 6],
    [(s) => is(inp(s, 0), 'INT64'), 5],
    [(s) => is(inp(s, 0), 'INT16'), 4],
    [(s) => mulRescale(s) >= 1, 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  int8: elementwise,
  kernel,
});

/** MUL's input1_scale * input2_scale / output_scale, or 0 unless all three are per-tensor quantized. */
function mulRescale(s: OpSig): number {
  const [a, b, o] = [inp(s, 0).scale, inp(s, 1).scale, out(s, 0).scale];
  return a && b && o ? (a * b) / o : 0;
}
