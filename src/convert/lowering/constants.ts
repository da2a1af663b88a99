import { Tensor } from '../../ir/tensor.js';
import type { QParams } from '../../quant/params.js';
import { reshapeTensor, transposeTensor } from '../layout-math.js';
import { quantizeValues, realValues, sameParams, symmetricParams } from '../quant-util.js';
import type { LowerContext } from './types.js';

/** An int32 vector constant (axes, paddings, shapes: TFLite reads them as int32). */
export const int32s = (values: number[], dims: number[] = [values.length]): Tensor =>
  Tensor.int32(dims, values);

/** ONNX axis (negative counts from the end) to the physical axis of a value stored as `perm`. */
export function physicalAxisOf(axis: number, perm: readonly number[]): number {
  return perm.indexOf(axis < 0 ? axis + perm.length : axis);
}

/** Float32 values of a constant (dequantized when the QDQ graph quantized it). */
export function floatConstant(t: Tensor): Tensor {
  return t.quant || t.dtype !== 'float32' ? Tensor.float32(t.dims, realValues(t)) : t;
}

/**
 * A constant as an int8 operand: as the QDQ graph stored it when per-tensor (and equal to `params` if
 * given), else quantized with `params`, or symmetric per-tensor for one the QDQ graph left float.
 */
export function int8Constant(t: Tensor, params?: QParams): Tensor {
  const q = t.quant;
  // An int16 operand (an int16 ADD/MUL's constant, src/quant/int16.ts) as the QDQ graph stored it.
  const stored = q?.bits === 16 ? 'int16' : 'int8';
  const usable = q && t.dtype === stored && (params ? sameParams(q, params) : q.scale.length === 1);
  if (usable) return t;
  const values = realValues(t);
  return quantizeValues(values, t.dims, params ?? symmetricParams(values), 'int8');
}

/**
 * Constant input i of an elementwise op in the op's output layout: rank raised by leading 1s (ONNX
 * broadcasting) and permuted; int8 when the op runs int8, else float32. One element stays a scalar.
 */
export function elementwiseConstant(cx: LowerContext, i: number, params?: QParams): string {
  const t = cx.constant(i)!;
  let c = cx.int8 ? int8Constant(t, params) : floatConstant(t);
  const rank = cx.outShape(0).length;
  if (c.size === 1) c = reshapeTensor(c, []);
  else {
    if (c.dims.length < rank)
      c = reshapeTensor(c, [...new Array<number>(rank - c.dims.length).fill(1), ...c.dims]);
    c = transposeTensor(c, cx.outPerm(0));
  }
  return cx.addConstant(`${cx.node.inputs[i]}_${cx.int8 ? 'int8' : 'float'}`, c);
}

/**
 * Input i as an operand of an op on values of any element type (comparisons, SELECT_V2): a constant
 * keeps its own element type (int32, int64, bool), raised and permuted like `elementwiseConstant`.
 */
export function typedOperand(cx: LowerContext, i: number): string {
  const t = cx.constant(i);
  if (!t || cx.input(i) || t.dtype === 'float32' || t.quant) return operand(cx, i);
  const rank = cx.outShape(0).length;
  let c = t;
  if (c.size === 1) c = reshapeTensor(c, []);
  else {
    if (c.dims.length < rank)
      c = reshapeTensor(c, [...new Array<number>(rank - c.dims.length).fill(1), ...c.dims]);
    c = transposeTensor(c, cx.outPerm(0));
  }
  return cx.addConstant(`${cx.node.inputs[i]}_${t.dtype}`, c);
}

/** Input i as an elementwise operand: the activation, or the constant made ready for the op. */
export const operand = (cx: LowerContext, i: number, params?: QParams): string =>
  cx.input(i) || elementwiseConstant(cx, i, params);
