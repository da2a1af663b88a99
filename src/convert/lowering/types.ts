import type { DType } from '../../ir/dtype.js';
import type { Attribute, Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { QParams } from '../../quant/params.js';
import type { ConvState } from '../types.js';

/**
 * How an op lives with physical layouts (src/convert/layout.ts):
 * - 'spatial': input 0 and output 0 are channels-last (rank >= 3), as TFLite's conv and pool kernels.
 * - 'agnostic': runs in whatever layout its inputs have; the mapping remaps axes and permutes constants.
 * - 'reshape': moves data in ONNX element order; free when the storage keeps that order.
 * - 'alias': the output is the input relabelled (Transpose, Identity): never a TRANSPOSE op.
 * - 'logical': needs ONNX order (Gemm, MatMul, Gather).
 */
export type LayoutKind = 'spatial' | 'agnostic' | 'reshape' | 'alias' | 'logical';

/** What a mapping sees while it lowers one ONNX node to TFLite ops. */
export interface LowerContext {
  readonly node: Node;
  /** The node runs int8: its float activations are read and written as stored int8 tensors. */
  readonly int8: boolean;
  readonly state: ConvState;
  /** Input i as the TFLite op reads it ('' when absent or constant). */
  input(i: number): string;
  output(i: number): string;
  /** Constant input i as stored (int8/int32 with `extra.quantization` when the QDQ graph quantized it). */
  constant(i: number): Tensor | undefined;
  inShape(i: number): number[];
  outShape(i: number): number[];
  inPerm(i: number): number[];
  outPerm(i: number): number[];
  /** Parameters of input/output i when it is stored int8. */
  inParams(i: number): QParams | undefined;
  outParams(i: number): QParams | undefined;
  emit(opType: string, inputs: string[], outputs: string[], attrs?: Record<string, Attribute>): void;
  /** A new constant, already in TFLite layout. */
  addConstant(base: string, t: Tensor): string;
  /** A new intermediate value (physical shape), int8 when `params` is given. */
  addValue(base: string, dtype: DType, shape: number[], params?: QParams): string;
  /** Output i is the tensor `name` itself (no op). */
  alias(i: number, name: string): void;
}

/**
 * How an ONNX op lowers to TFLite builtins: the `tflite` part of its descriptor (src/ops/<Op>.ts), read by
 * src/convert/lower.ts and src/convert/layout.ts. An op without one is an UnsupportedOpError in conversion.
 */
export interface TfliteLowering {
  layout: LayoutKind;
  /** The ranks a 'spatial' op takes channels-last (default 4; 3 for 1-D ops lowered as 2-D). */
  spatialRanks?: readonly number[];
  /** Whether TFLite has int8 kernels for it; otherwise it runs float between DEQUANTIZE and QUANTIZE. */
  int8: boolean | ((node: Node, state: ConvState) => boolean);
  /** It takes a fused RELU/RELU6 (Conv, Gemm, Add, ...). */
  fusable?: (node: Node, state: ConvState) => boolean;
  /** The output layout of an 'agnostic' op whose output rank differs from its input's (reductions). */
  outputPerm?: (node: Node, inputPerm: number[], state: ConvState) => number[];
  lower(node: Node, cx: LowerContext): void;
}
