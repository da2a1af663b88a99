import type { Dim, Node, ValueType } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';

/** What shape inference can see of a node's inputs. */
export interface ShapeContext {
  /** The known type of each input ('' inputs give undefined). */
  inputTypes: (ValueType | undefined)[];
  /** The constant value of each input, when it is one. */
  constants: (Tensor | undefined)[];
}

/** Output types, one per node output (undefined when it cannot be known statically). */
export type InferShapes = (node: Node, ctx: ShapeContext) => (ValueType | undefined)[];

/** Computes a node's outputs from constant inputs: used by constant folding. */
export type Evaluate = (node: Node, inputs: (Tensor | undefined)[]) => Tensor[];

/**
 * Everything the project knows about one operator, in one place (one file per op under src/ops/).
 * Later stages add their own optional parts (quantization rule, TFLite mapping, integer kernel).
 */
export interface OpDescriptor {
  opType: string;
  /** '' for the default ONNX domain. */
  domain?: string;
  inferShapes?: InferShapes;
  evaluate?: Evaluate;
  [part: string]: unknown;
}

export type Shape = Dim[];
