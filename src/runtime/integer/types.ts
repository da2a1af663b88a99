import type { DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import type { BiasMode, QParams, QuantScheme } from '../../ir/qparams.js';
import type { Rounding } from './fixed-point.js';
import type { WasmArena } from './wasm/arena.js';

/** The buffers the executor moves between kernels: one typed array per value, allocated once per plan. */
export type Data = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array | BigInt64Array;

export type { BiasMode, QParams };
export type Scheme = QuantScheme['scheme'];

/** Which arithmetic the executor runs: the original's shifts (pow2) or TFLite's reference (affine). */
export interface Arithmetic {
  scheme: Scheme;
  /**
   * pow2 only: how a right shift rounds ('floor' truncates as the hardware; 'nearest' rounds half up;
   * 'even' rounds half to even, as ONNX Runtime and LiteRT).
   */
  rounding: Rounding;
  /**
   * pow2 only: how the rescales of conv, depthwise conv, transpose conv and FC (the ops with a bias) round,
   * when not as `rounding`. `rounding: 'nearest'` with this 'floor' runs a --rounding floor file with its
   * biased ops exactly as the truncating device does and every other shift rounded: the twin that
   * measures what those other shifts lose (quant/tflite/floor-measured.ts).
   */
  accumulatorRounding?: Rounding;
  /** pow2 only: the int32 bias in the file is a 16-bit bias added before the shift, or b8 * 2^k after. */
  biasMode: BiasMode;
  /**
   * affine only. 'litert': the numbers LiteRT's CPU path computes, which hands int8 conv, FC, add, mul,
   * mean, requantize and leaky ReLU to XNNPACK (float32 requantization scales, rounding half to even;
   * 8-bit multipliers for requantize and leaky ReLU) and runs TFLite's kernels for the rest.
   * 'reference': TFLite's reference kernels, gemmlowp fixed point throughout.
   */
  affineKernels: AffineKernels;
}

export type AffineKernels = 'litert' | 'reference';

/** A value as a kernel sees it while it prepares: shape fixed, parameters known, constants with data. */
export interface ValueMeta {
  name: string;
  dtype: DType;
  shape: number[];
  q?: QParams;
  /** The value's data when it is a constant of the graph. */
  data?: Data;
}

export interface OutputSpec {
  name: string;
  /** The element type the graph declares, when it declares one. */
  dtype?: DType;
  /** The shape the graph declares, when every dimension is known. */
  shape?: number[];
  q?: QParams;
}

export interface KernelContext {
  node: Node;
  arith: Arithmetic;
  inputs: ValueMeta[];
  outputs: OutputSpec[];
  /** The plan's WebAssembly memory with the int8 GEMM; undefined without WebAssembly SIMD. */
  arena(): WasmArena | undefined;
}

export interface PreparedOutput {
  dtype: DType;
  shape: number[];
  /** The output is input 0's buffer viewed with another shape (no copy, no run). */
  aliasOfInput?: boolean;
}

/** A kernel bound to fixed shapes and parameters: `run` only reads and writes preallocated buffers. */
export interface PreparedKernel {
  outputs: PreparedOutput[];
  run(inputs: readonly Data[], outputs: readonly Data[]): void;
  /**
   * The step as a table, when it is one (lookup-chains.ts composes chains of them): its output is
   * `unary[x + 128]` of int8 input `input`, element by element (int8, or float32 for DEQUANTIZE); or
   * int8 `pair[(a + 128) << 8 | (b + 128)]` of inputs 0 and 1, both with the output's shape; or
   * `element(v)` of each element v of input `input` (QUANTIZE's float32 -> int8).
   */
  lookup?:
    | { unary: Int8Array | Float32Array; input: number }
    | { pair: Int8Array }
    | { element: (v: number) => number; input: number };
}

/** One op's integer kernel: everything about its arithmetic is decided in `prepare`, once per plan. */
export interface IntegerKernel {
  opType: string;
  prepare(cx: KernelContext): PreparedKernel;
}
