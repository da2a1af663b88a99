export { createIntegerExecutor, type IntegerExecutor } from './executor.js';
export { resolveArithmetic, type IntegerExecutorOptions } from './scheme.js';
export type { AffineKernels, Arithmetic, BiasMode, Scheme } from './types.js';
export type { Rounding } from './fixed-point.js';
export { INTEGER_KERNELS } from '../../tflite/ops/index.js';
