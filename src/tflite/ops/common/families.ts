import { addSubPair } from '../../../runtime/integer/kernels/common/add-sub.js';
import { binaryKernel } from '../../../runtime/integer/kernels/common/binary.js';
import { pickPair } from '../../../runtime/integer/kernels/common/min-max.js';
import { activationRange } from '../../../runtime/integer/kernels/common/params.js';
import { reluRescale } from '../../../runtime/integer/kernels/common/requantize.js';
import { realFunctionEntry } from '../../../runtime/integer/kernels/common/transcendental.js';
import { unaryKernel } from '../../../runtime/integer/kernels/common/unary.js';
import { defineBuiltin, type TfliteBuiltin } from './builtin.js';
import { binarySameAll, calibrated, elementwise, fixedOutput, type FixedParams } from './int8.js';
import { activation, field, optionsTable } from './options.js';
import { broadcast5d, first, inp, is, out, type VersionRule } from './version.js';

/**
 * Builtins that differ only in one function or constant are made by one factory here; each still has
 * its own file, which says what sets it apart.
 */

/** ADD and SUB: elementwise with broadcasting, calibrated output, the exponents aligned by shifts. */
export function addSub(name: 'ADD' | 'SUB', sign: 1 | -1, version: VersionRule): TfliteBuiltin {
  const table = name === 'ADD' ? 'AddOptions' : 'SubOptions';
  return defineBuiltin({
    name,
    options: optionsTable(table, [activation, field('pot_scale_int16', 'bool', true)]),
    version,
    int8: elementwise,
    kernel: binaryKernel({
      opType: name,
      int8: (cx, p) => addSubPair(cx, p, sign),
      float32: sign > 0 ? (a, b) => a + b : (a, b) => a - b,
    }),
  });
}

/**
 * MAXIMUM and MINIMUM: TFLite compares the stored values, so inputs and output share one set of
 * parameters (TFLite int8 spec).
 */
export function minMax(name: 'MAXIMUM' | 'MINIMUM', pick: (a: number, b: number) => number): TfliteBuiltin {
  return defineBuiltin({
    floorShift: 'exact',
    name,
    options: optionsTable('MaximumMinimumOptions'),
    version: first(
      [(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16'), 4],
      [broadcast5d, 3],
      [(s) => is(inp(s, 0), 'INT8'), 2],
    ),
    int8: binarySameAll,
    kernel: binaryKernel({ opType: name, int8: (cx, p) => pickPair(cx, p, pick), float32: pick }),
  });
}

/**
 * RELU and RELU6: requantize to the output's parameters, clamp to the activation's range (TFLite
 * QuantizedReluX). A preceding op's int8 output can take this range and clip for free.
 */
export function relu(name: 'RELU' | 'RELU6', code: number, version: VersionRule): TfliteBuiltin {
  return defineBuiltin({
    floorShift: 'exact',
    name,
    options: null,
    version,
    int8: { ...calibrated, clips: true },
    // RELU6's bound is one value for all channels.
    positivelyHomogeneous: name === 'RELU',
    kernel: unaryKernel(name, (cx, x, y) => {
      const f = reluRescale(cx, x, y);
      const [lo, hi] = activationRange(cx, code, y);
      return (q) => Math.min(hi, Math.max(lo, f(q)));
    }),
  });
}

/**
 * LOGISTIC and TANH: the spec fixes the output's parameters; the kernel evaluates the real function on
 * the file's parameters (double for pow2, float32 as LiteRT for affine).
 */
export function squashing(
  name: 'LOGISTIC' | 'TANH',
  output: FixedParams,
  real: (v: number) => number,
  real32: (v: number) => number,
  version: VersionRule,
): TfliteBuiltin {
  return defineBuiltin({
    floorShift: 'table',
    name,
    options: null,
    version,
    int8: fixedOutput(output),
    keepsExtremes: true,
    kernel: unaryKernel(name, (cx, x, y) => realFunctionEntry(cx, x, y, real, real32)),
  });
}
