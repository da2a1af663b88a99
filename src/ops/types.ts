import type { Dim, Graph, Node, ValueType } from '../ir/graph.js';
import type { DType } from '../ir/dtype.js';
import type { Tensor } from '../ir/tensor.js';
import type { FusedActivation } from '../convert/lowering/activation.js';
import type { TfliteLowering } from '../convert/lowering/types.js';

/** What shape inference can see of a node's inputs. */
export interface ShapeContext {
  /** The known type of each input ('' inputs give undefined). */
  inputTypes: (ValueType | undefined)[];
  /** The constant value of each input, when it is one. */
  constants: (Tensor | undefined)[];
  /** The default-domain opset the model imports (undefined when unknown, e.g. a TFLite graph). */
  opset?: number;
}

/** A constant value by name (an initializer, or undefined when the value is not constant). */
export type ConstantOf = (name: string) => Tensor | undefined;

/** Output types, one per node output (undefined when it cannot be known statically). */
export type InferShapes = (node: Node, ctx: ShapeContext) => (ValueType | undefined)[];

/**
 * Computes a node's outputs from constant inputs: used by constant folding. Throws `NotEvaluable` for a
 * case it does not compute (an element type or attribute it does not handle), so folding leaves the node.
 */
export type Evaluate = (node: Node, inputs: (Tensor | undefined)[], opset?: number) => Tensor[];

/**
 * How one operator is quantized (QDQ and QOperator outputs). `activations` are input slots quantized with
 * activation parameters; `weight` is a constant input quantized symmetric int8 (per channel along `axis`
 * when per-channel is on; axis -1: per tensor); `bias` is a constant input stored int32 at s_in * s_w.
 * `output` says where the output parameters come from: its own calibrated range, its input's parameters
 * (ops that move values without changing them), values the TFLite int8 spec fixes, or ('mean', affine
 * scheme) a scale near the calibrated one that keeps a mean of int8 values off rounding ties (see
 * src/quant/tie-free.ts). An op without a rule stays float. Shared rules are in common/quant.ts.
 */
export interface QuantRule {
  activations: (node: Node, g: Graph) => number[];
  weight?: (node: Node, g: Graph) => { index: number; axis: number } | undefined;
  bias?: number;
  /**
   * The output is a sum of activation x weight products (an int32 accumulator requantized by
   * s_in * s_w / s_out): Conv, ConvTranspose, Gemm, MatMul. src/quant/tie-free.ts nudges their scales.
   */
  accumulates?: boolean;
  /** ('same-all', TFLite builtins only: CONCATENATION and the like) inputs and output share parameters. */
  output: 'calibrated' | 'same-as-input' | 'same-all' | 'mean' | { scale: number; zeroPoint: number };
  /** pow2 only: output parameters that replace a calibrated output's 2^n / input_scale grid. */
  pow2Output?: { scale: number; zeroPoint: number };
}

/**
 * Which axes of a weighted op's constant weight (input `index`) index its output and input channels, for
 * the passes that rescale or correct channel by channel (cross-layer equalization, bias correction): ONNX
 * Conv OIHW, TFLite CONV_2D OHWI, DEPTHWISE_CONV_2D 1HWO, FULLY_CONNECTED [O, I]. Input channel `j` of
 * output channel `o` is global channel floor(o / (O / groups)) * dims[input] + j. `clip`: the bounds of an
 * activation the op applies to its own output (TFLite's fused activation; NaN for one that is not a clip).
 */
export interface WeightChannels {
  index: number;
  bias?: number;
  output: number;
  input: number;
  groups: number;
  clip?: readonly [number, number];
}

/**
 * Everything the project knows about one operator, in one place (one file per op under src/ops/).
 */
export interface OpDescriptor {
  opType: string;
  /** '' for the default ONNX domain. */
  domain?: string;
  inferShapes?: InferShapes;
  evaluate?: Evaluate;
  /** How the op is quantized; none: it stays float. */
  quant?: QuantRule;
  /** How it lowers to TFLite builtins; none: conversion refuses it (UnsupportedOpError naming the node). */
  tflite?: TfliteLowering;
  /**
   * The op is an activation that TFLite can run fused into the op before it: which one this node is
   * (undefined: this node cannot fuse). TFLite fuses only NONE, RELU, RELU_N1_TO_1 and RELU6, so this is
   * the one answer the quantizer (src/quant/assign.ts), the optimizer's annotation and the converter use.
   */
  fusedActivation?: (node: Node, constant: ConstantOf) => FusedActivation | undefined;
  /**
   * Whether the output is non-negative by construction (src/quant/uint8.ts stores such activations
   * uint8): 'always' whatever the input; 'if-input' when input 0 is (ops that move, select, pool or
   * resample values); 'if-all-inputs' when every input is (or is a non-negative constant); a function
   * for a node whose attributes or constant inputs decide it.
   */
  nonNegative?: 'always' | 'if-input' | 'if-all-inputs' | ((node: Node, constant: ConstantOf) => boolean);
  /**
   * f(s * x) = s * f(x) channel by channel for every s > 0 (input 0's channels, axis 1): cross-layer
   * equalization (src/passes/equalize.ts) may scale a channel across it.
   */
  positivelyHomogeneous?: boolean;
  /**
   * The interval [lo, hi] of input 0 outside which the output no longer changes (the op saturates: every
   * input below lo gives the output at lo, every input above hi the output at hi), or undefined. A tensor
   * read only by such ops needs no int8 grid past it (src/quant/saturation.ts): HardSwish is 0 for every
   * x <= -3, so a conv output spread over [-116, 115] that feeds one is quantized over [-3, 115].
   */
  saturatesOutside?: (node: Node, constant: ConstantOf) => readonly [number, number] | undefined;
  /**
   * The output's upper bound (HardSigmoid's 1), where it sits exactly for a whole interval of inputs and
   * no magnitude lies past it, so that its largest magnitudes tie there and a top percentile lands on the
   * bound. Calibration's in-graph reduction (src/quant/calibrate-reduced.ts) cannot settle such a
   * percentile from the rows it sends (the rows at the bound are those its cutoff stops at, and nearly
   * half of all rows hold one): it counts the values at the bound in the graph instead.
   */
  tiesAtBound?: number;
  /** How its constant weight indexes channels (see WeightChannels); undefined: not such a layer here. */
  weightChannels?: (node: Node, g: Graph) => WeightChannels | undefined;
  /**
   * The output is input 0 squashed or reshaped, so at a model's output its extremes are still the answer
   * (calibration keeps them: src/quant/calibrate.ts's resultTensors).
   */
  resultView?: boolean;
  /**
   * Groups the mixed-precision search may keep in higher precision together (src/pipeline/precision-groups.ts):
   * 'elementwise' (residual sums, gating, a LayerNorm's scale and shift), 'normalization' (the ops a
   * LayerNorm is written out with). A loss spread thinly over many such ops shows in no single op.
   */
  precisionGroups?: readonly PrecisionGroup[];
  /**
   * TFLite runs what this op lowers to with int16 activations and int8 weights (LiteRT's 16x8 kernels):
   * `--int16` and mixed precision may keep it in int16 (src/quant/int16.ts); elsewhere higher precision
   * means float.
   */
  int16?: boolean;
  /**
   * The output sums or averages its input's values (Add, Sub, ReduceMean), so the rounding errors of the
   * input's grid partly cancel in it, as in an accumulating op's sum: pow2 B16 picks such inputs' exponents
   * by error (src/quant/quantize.ts, `sum-inputs`).
   */
  sumsInputs?: boolean;
  /** The op only moves or selects values: every output value is one of its inputs' (Reshape, Concat, Gather ...). */
  movesData?: boolean;
  /** The output element type when it does not follow the inputs' (comparisons: bool; Shape: int64). */
  outputDType?: DType;
  [part: string]: unknown;
}

export type Shape = Dim[];

/** See OpDescriptor.precisionGroups. */
export type PrecisionGroup = 'elementwise' | 'normalization';

/** An evaluation the reference code does not cover; constant folding then keeps the node. */
export class NotEvaluable extends Error {
  constructor(node: Node, why: string) {
    super(`${node.opType} '${node.name}': ${why}`);
    this.name = 'NotEvaluable';
  }
}
