import { attrFloat, attrInt, attrString, int, ints } from '../../ir/attrs.js';
import type { Attribute, Node } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { UnsupportedOpError } from '../../errors.js';
import { floatConstant } from './constants.js';
import type { LowerContext } from './types.js';

/**
 * ONNX LSTM/GRU (forward, layout 0) unrolled over the time steps into float builtins: one
 * FULLY_CONNECTED of all steps' inputs by W (bias Wb, plus Rb where it simply adds), split per step; per
 * step a FULLY_CONNECTED of the hidden state by R, SPLIT into gates, LOGISTIC/TANH, MUL and ADD.
 * TFLite's UNIDIRECTIONAL_SEQUENCE_LSTM would be one op, but its int8 form needs 16-bit intermediates
 * this converter does not produce and GRU has no builtin: unrolling serves both, and the shapes are
 * static anyway. The cell runs float (the quantizer leaves it float; the report lists it).
 */
export interface Rnn {
  cx: LowerContext;
  /** Time steps, batch, hidden size. */
  t: number;
  b: number;
  h: number;
  w: Tensor;
  r: Tensor;
  /** Wb and Rb ([gates * H] each), zeros when the node has no B. */
  wb: Float32Array;
  rb: Float32Array;
  name: string;
}

/**
 * Checks what the unrolling covers and reads the node's sizes and weights; `activations` are the op's
 * default activation functions (the unrolling computes those only).
 */
export function rnnOf(node: Node, cx: LowerContext, gates: number, activations: readonly string[]): Rnn {
  const refuse = (why: string): never => {
    throw new UnsupportedOpError(
      node.name,
      node.opType,
      [`${node.opType} (forward, layout 0, constant W/R/B, no sequence_lens, default activations, no clip)`],
      `in TFLite conversion (${why})`,
    );
  };
  const direction = attrString(node, 'direction', 'forward');
  if (direction !== 'forward') refuse(`direction '${direction}'`);
  if (attrInt(node, 'layout', 0) !== 0) refuse('layout 1');
  if (node.inputs[4]) refuse('sequence_lens');
  if (attrFloat(node, 'clip') !== undefined) refuse('clip');
  if (attrInt(node, 'input_forget', 0) !== 0) refuse('input_forget');
  if (node.opType === 'LSTM' && node.inputs[7]) refuse('peepholes');
  const a = node.attrs.activations;
  const acts = a?.kind === 'strings' ? a.value : undefined;
  if (acts && acts.join() !== activations.join()) refuse(`activations ${acts.join(', ')}`);
  const [w, r] = [cx.constant(1), cx.constant(2)];
  if (!w || !r || (node.inputs[3] && !cx.constant(3))) refuse('W, R and B must be constants');
  const [t, b] = cx.inShape(0) as [number, number];
  const h = attrInt(node, 'hidden_size') ?? r!.dims[2]!;
  const bias = cx.constant(3) ? floatConstant(cx.constant(3)!).toFloat32() : new Float32Array(2 * gates * h);
  return {
    cx,
    t,
    b,
    h,
    w: floatConstant(w!),
    r: floatConstant(r!),
    wb: bias.slice(0, gates * h),
    rb: bias.slice(gates * h),
    name: node.outputs[0] || node.name,
  };
}

/** A float intermediate [dims]. */
export const value = (n: Rnn, base: string, dims: number[]): string =>
  n.cx.addValue(`${n.name}_${base}`, 'float32', dims);

/** x [rows, K] times rows [from, to) of the gate-major matrix m ([1, G*H, K]) plus `bias`: [rows, to - from]. */
export function fc(
  n: Rnn,
  x: string,
  m: Tensor,
  [from, to]: [number, number],
  bias: Float32Array,
  tag: string,
  rows = n.b,
): string {
  const k = m.dims[2]!;
  const weights = Tensor.float32([to - from, k], m.toFloat32().slice(from * k, to * k));
  const out = value(n, tag, [rows, to - from]);
  n.cx.emit(
    'FULLY_CONNECTED',
    [
      x,
      n.cx.addConstant(`${n.name}_${tag}_w`, weights),
      n.cx.addConstant(`${n.name}_${tag}_b`, Tensor.float32([to - from], bias)),
    ],
    [out],
    { fused_activation_function: int(0), keep_num_dims: int(0) },
  );
  return out;
}

/** All steps' input projections: X [T, B, I] by W (+ `bias`), one [B, G*H] value per step. */
export function inputProjections(n: Rnn, bias: Float32Array): string[] {
  const i = n.cx.inShape(0)[2]!;
  const gh = n.w.dims[1]!;
  const flat = value(n, 'x_rows', [n.t * n.b, i]);
  n.cx.emit('RESHAPE', [n.cx.input(0)], [flat], { new_shape: ints([n.t * n.b, i]) });
  const all = fc(n, flat, n.w, [0, gh], bias, 'x_proj', n.t * n.b);
  if (n.t === 1) return [all];
  const split = Array.from({ length: n.t }, (_, s) => value(n, `x_proj_${s}`, [n.b, gh]));
  const axis = n.cx.addConstant(`${n.name}_axis0`, Tensor.int32([], [0]));
  const steps = value(n, 'x_proj_steps', [n.t, n.b, gh]);
  n.cx.emit('RESHAPE', [all], [steps], { new_shape: ints([n.t, n.b, gh]) });
  const parts = Array.from({ length: n.t }, (_, s) => value(n, `x_proj_part_${s}`, [1, n.b, gh]));
  n.cx.emit('SPLIT', [axis, steps], parts, { num_splits: int(n.t) });
  parts.forEach((p, s) => n.cx.emit('RESHAPE', [p], [split[s]!], { new_shape: ints([n.b, gh]) }));
  return split;
}

/** Initial state input `i` ([1, B, H]) as [B, H], zeros when absent. */
export function initialState(n: Rnn, i: number, tag: string): string {
  const v = n.cx.node.inputs[i];
  if (!v)
    return n.cx.addConstant(`${n.name}_${tag}0`, Tensor.float32([n.b, n.h], new Float32Array(n.b * n.h)));
  const c = n.cx.constant(i);
  if (c)
    return n.cx.addConstant(`${n.name}_${tag}0`, Tensor.float32([n.b, n.h], floatConstant(c).toFloat32()));
  const out = value(n, `${tag}0`, [n.b, n.h]);
  n.cx.emit('RESHAPE', [n.cx.input(i)], [out], { new_shape: ints([n.b, n.h]) });
  return out;
}

/** One elementwise builtin on [B, H] values. */
export function op(n: Rnn, type: string, inputs: string[], tag: string): string {
  const out = value(n, tag, [n.b, n.h]);
  const fused: Record<string, Attribute> =
    type === 'ADD' || type === 'MUL' || type === 'SUB' ? { fused_activation_function: int(0) } : {};
  n.cx.emit(type, inputs, [out], fused);
  return out;
}

/** SPLIT of a [B, parts * H] value into `parts` [B, H] values. */
export function gates(n: Rnn, x: string, parts: number, tag: string): string[] {
  const axis = n.cx.addConstant(`${n.name}_axis1`, Tensor.int32([], [1]));
  const outs = Array.from({ length: parts }, (_, g) => value(n, `${tag}_${g}`, [n.b, n.h]));
  n.cx.emit('SPLIT', [axis, x], outs, { num_splits: int(parts) });
  return outs;
}

/** Y [T, 1, B, H] from the steps' hidden states, Y_h (and Y_c) [1, B, H] from the last ones. */
export function writeOutputs(n: Rnn, hs: string[], last: string[]): void {
  const cx = n.cx;
  if (cx.node.outputs[0]) {
    const shaped = hs.map((h, s) => {
      if (hs.length === 1) return h;
      const out = value(n, `y_${s}`, [1, 1, n.b, n.h]);
      cx.emit('RESHAPE', [h], [out], { new_shape: ints([1, 1, n.b, n.h]) });
      return out;
    });
    if (hs.length === 1)
      cx.emit('RESHAPE', [shaped[0]!], [cx.output(0)], { new_shape: ints([1, 1, n.b, n.h]) });
    else
      cx.emit('CONCATENATION', shaped, [cx.output(0)], { axis: int(0), fused_activation_function: int(0) });
  }
  last.forEach((v, k) => {
    if (cx.node.outputs[k + 1])
      cx.emit('RESHAPE', [v], [cx.output(k + 1)], { new_shape: ints([1, n.b, n.h]) });
  });
}
