import type { Model } from '../../ir/graph.js';
import type { Rounding } from './fixed-point.js';
import type { AffineKernels, Arithmetic, BiasMode, Scheme } from './types.js';

export interface IntegerExecutorOptions {
  /**
   * Default: the scheme the model says it was quantized with (`Model.quantScheme`, which the TFLite
   * importer reads from the metadata entry this tool writes); 'affine' for a model that says none, as
   * every .tflite made elsewhere follows TFLite's int8 spec.
   */
  scheme?: Scheme;
  /** pow2 rescale rounding; default the model's (the shift its biases were made for), else 'floor'. */
  rounding?: Rounding;
  /** pow2 conv/FC rescale rounding when not `rounding` (see Arithmetic.accumulatorRounding). */
  accumulatorRounding?: Rounding;
  /** pow2 bias handling; default the model's, else B16. */
  biasMode?: BiasMode;
  /** affine kernels: 'litert' (default, what LiteRT computes) or TFLite's 'reference' kernels. */
  affineKernels?: AffineKernels;
  /**
   * Run conv, FC and their requantization in WebAssembly SIMD (default true where available). The JS
   * loops compute the same numbers; false forces them (tests compare the two).
   */
  wasm?: boolean;
  /**
   * The most scratch bytes a WebAssembly kernel's tile of output rows takes (default TILE_BYTES,
   * wasm/arena.ts); tests make it small so that small images run in several tiles.
   */
  tileBytes?: number;
}

/** The arithmetic to run: what the caller asks, else what the model says, never guessed from numbers. */
export function resolveArithmetic(model: Model, opts: IntegerExecutorOptions = {}): Arithmetic {
  const q = model.quantScheme;
  const pow2 = q?.scheme === 'pow2' ? q : undefined;
  return {
    scheme: opts.scheme ?? q?.scheme ?? 'affine',
    rounding: opts.rounding ?? pow2?.rounding ?? 'floor',
    ...(opts.accumulatorRounding && { accumulatorRounding: opts.accumulatorRounding }),
    biasMode: opts.biasMode ?? pow2?.biasMode ?? 'B16',
    affineKernels: opts.affineKernels ?? 'litert',
  };
}
