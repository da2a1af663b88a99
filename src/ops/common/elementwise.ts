import type { DType } from '../../ir/dtype.js';
import type { Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { NotEvaluable, type OpDescriptor } from '../types.js';
import { broadcastMap, makeTensor, values } from './compute.js';
import { broadcastTypes, dtypeOf, tensorType } from './shape.js';

/**
 * Factories for the elementwise families (as ORT's unary-op.ts): each op file names its scalar function
 * and gets shape inference and reference compute from here.
 */

type Scalar = (x: number) => number;

/** `scalar` builds the per-element function from the node (attributes) and its constant inputs. */
export function unaryOp(
  opType: string,
  scalar: (node: Node, inputs: (Tensor | undefined)[]) => Scalar,
  opts: { floatOnly?: boolean } = {},
): OpDescriptor {
  return {
    opType,
    inferShapes: (_node, ctx) => [ctx.inputTypes[0]],
    evaluate: (node, inputs) => {
      const x = inputs[0];
      const vals = values(node, x);
      if (opts.floatOnly && x!.dtype !== 'float32' && x!.dtype !== 'float64') {
        throw new NotEvaluable(node, `reference compute is for floats, got ${x!.dtype}`);
      }
      const f = scalar(node, inputs);
      return [makeTensor(x!.dtype, x!.dims, vals.map(f))];
    },
  };
}

/**
 * Ops that broadcast all their inputs (Add, Mul, Min, Where...). `fn` takes one element of each input;
 * `resultType` is the output element type (default: the first input's).
 */
export function broadcastOp(
  opType: string,
  fn: (xs: number[], dtype: DType) => number,
  opts: { resultType?: DType; dtypeFrom?: number } = {},
): OpDescriptor {
  const from = opts.dtypeFrom ?? 0;
  return {
    opType,
    ...(opts.resultType ? { outputDType: opts.resultType } : {}),
    inferShapes: (_node, ctx) => {
      const dtype = opts.resultType ?? dtypeOf(ctx.inputTypes[from]);
      return [dtype ? tensorType(dtype, broadcastTypes(ctx.inputTypes)) : undefined];
    },
    evaluate: (node, inputs) => {
      const dtype = inputs[from]?.dtype;
      if (!dtype) throw new NotEvaluable(node, 'an input is missing');
      return [broadcastMap(node, inputs, opts.resultType ?? dtype, (xs) => fn(xs, dtype))];
    },
  };
}

/** Two-input broadcasting ops. */
export function binaryOp(
  opType: string,
  fn: (a: number, b: number, dtype: DType) => number,
  opts: { resultType?: DType } = {},
): OpDescriptor {
  return broadcastOp(opType, (xs, dtype) => fn(xs[0]!, xs[1]!, dtype), opts);
}
