import type { DType } from '../../ir/dtype.js';
import type { Dim, ValueType } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import type { InferShapes } from '../types.js';

/** Shape-inference vocabulary shared by the op files. */
export const tensorType = (dtype: DType, shape?: Dim[]): ValueType => ({ kind: 'tensor', dtype, shape });

export function shapeOf(t: ValueType | undefined): Dim[] | undefined {
  return t?.kind === 'tensor' ? t.shape : undefined;
}

export function dtypeOf(t: ValueType | undefined): DType | undefined {
  return t?.kind === 'tensor' ? t.dtype : undefined;
}

/** A type with the element type of `t` and the given shape (undefined when `t`'s element type is unknown). */
export function withShape(t: ValueType | undefined, shape: Dim[] | undefined): ValueType | undefined {
  const dtype = dtypeOf(t);
  return dtype ? tensorType(dtype, shape) : undefined;
}

/** Output 0 has the type of input `i` (elementwise unary ops, Identity, BatchNormalization...). */
export const sameAsInput =
  (i = 0): InferShapes =>
  (_node, ctx) => [ctx.inputTypes[i]];

/** ONNX negative axes count from the end; undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

/** Integer values of a constant (shape, axes, pads...), or undefined when not constant. */
export function constInts(t: Tensor | undefined): number[] | undefined {
  if (!t || Array.isArray(t.data)) return undefined;
  return t.toNumbers();
}

export function isStatic(shape: Dim[] | undefined): shape is number[] {
  return !!shape && shape.every((d) => typeof d === 'number');
}

/** The product of dims, or undefined if any is not a number. */
export function dimProduct(dims: Dim[]): number | undefined {
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

/**
 * Numpy (multidirectional) broadcasting of shapes, per the ONNX Broadcasting doc. A fixed size > 1 wins
 * over 1 and over symbols; equal symbols stay; anything ambiguous becomes unknown.
 */
export function broadcastShapes(shapes: Dim[][]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let k = 0; k < rank; k++) {
    const dims = shapes.map((s) => s[s.length - rank + k]).filter((d): d is Dim => d !== undefined);
    out.push(broadcastDim(dims));
  }
  return out;
}

function broadcastDim(dims: Dim[]): Dim {
  const fixed = new Set(dims.filter((d): d is number => typeof d === 'number' && d !== 1));
  if (fixed.size === 1) return [...fixed][0]!;
  if (fixed.size > 1) return null;
  const rest = dims.filter((d) => d !== 1);
  if (rest.length === 0) return 1;
  const first = rest[0]!;
  return typeof first === 'string' && rest.every((d) => d === first) ? first : null;
}

/** The broadcast of all given input types (undefined unless every shape is known). */
export function broadcastTypes(types: (ValueType | undefined)[]): Dim[] | undefined {
  const shapes = types.map(shapeOf);
  if (shapes.some((s) => !s)) return undefined;
  return broadcastShapes(shapes as Dim[][]);
}
