import type { DType } from '../ir/dtype.js';
import type { Graph } from '../ir/graph.js';
import type { QParams } from '../quant/params.js';

/** How the TFLite model faces its callers. */
export interface ConvertOptions {
  /**
   * 'nchw' (default): 4-D inputs and outputs keep the ONNX layout, with one TRANSPOSE per input where the
   * model needs NHWC. 'nhwc': 4-D inputs are NHWC, with no TRANSPOSE; 4-D outputs produced channels-last
   * stay NHWC.
   */
  layout: 'nchw' | 'nhwc';
  /**
   * 'float' (default): float inputs and outputs, with QUANTIZE/DEQUANTIZE at the edges. 'int8': inputs
   * and outputs that the QDQ graph quantizes are int8 tensors with those parameters.
   */
  ioType: 'float' | 'int8';
  /** Concrete shapes for inputs with symbolic dims, by input name ('*' for every input); other symbols are 1. */
  inputShapes?: Map<string, number[]>;
  /**
   * Nodes (names or op types, as --exclude takes them) the quantizer kept in float: they run float in
   * the .tflite too, even where the QDQ graph quantized everything around them (their float constants
   * would otherwise be quantized here, on a grid the quantizer did not choose).
   */
  keepFloat?: readonly string[];
}

/** A value's type in the ONNX (logical) sense: what the value means, whatever its storage. */
export interface LogicalType {
  dtype: DType;
  shape: number[];
}

/**
 * What the passes before lowering hand on: the graph (ONNX-semantics nodes, plus TFLite nodes a pass has
 * already placed), and per value its logical type, its int8 parameters (a value with parameters is
 * stored as int8) and its physical layout (`perm[j]` is the logical axis stored at physical axis j;
 * absent means the ONNX order).
 */
export interface ConvState {
  graph: Graph;
  types: Map<string, LogicalType>;
  quant: Map<string, QParams>;
  perm: Map<string, number[]>;
  stats: Record<string, number>;
}

export function count(state: ConvState, key: string, n = 1): void {
  state.stats[key] = (state.stats[key] ?? 0) + n;
}

/** A copy whose graph and maps can be changed without touching the input state. */
export function cloneState(s: ConvState): ConvState {
  return {
    graph: s.graph.clone(),
    types: new Map(s.types),
    quant: new Map(s.quant),
    perm: new Map(s.perm),
    stats: { ...s.stats },
  };
}
