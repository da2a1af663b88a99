import type { IntegerKernel } from '../types.js';
import { inputParams, requireDtype } from './common/params.js';

/** int8 -> float32: s (q - z), in float32 (TFLite Dequantize). */
export const DEQUANTIZE: IntegerKernel = {
  opType: 'DEQUANTIZE',
  prepare(cx) {
    const x = requireDtype(cx, 0, 'int8');
    const p = inputParams(cx, 0);
    const table = new Float32Array(256);
    for (let q = -128; q < 128; q++) table[q + 128] = Math.fround(p.scale * (q - p.zeroPoint));
    return {
      outputs: [{ dtype: 'float32', shape: [...x.shape] }],
      run([input], [output]) {
        const src = input as Int8Array;
        const dst = output as Float32Array;
        for (let i = 0; i < src.length; i++) dst[i] = table[src[i]! + 128]!;
      },
    };
  },
};
