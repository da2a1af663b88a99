import type { OptionValue } from '../../../formats/tflite/model.js';
import type { TensorTypeName } from '../../../formats/tflite/schema.js';

/**
 * Building blocks of the builtins' version rules, as TFLite assigns versions (LiteRT
 * `tflite/tools/versioning/op_version.cc`, GetBuiltinOperatorVersion): a kernel's version says which
 * input types and options it must support.
 */
export interface TensorSig {
  /** undefined for an omitted optional input (index -1). */
  type?: TensorTypeName;
  /** Dimensions; -1 where unknown. */
  shape: number[];
  /** Number of quantization scales (0: not quantized; >1: per channel). */
  scales: number;
  /** The single scale, when per-tensor quantized. */
  scale?: number;
}
export interface OpSig {
  inputs: TensorSig[];
  outputs: TensorSig[];
  options: Record<string, OptionValue>;
}

export type VersionRule = (s: OpSig) => number;
const NONE: TensorSig = { shape: [], scales: 0 };
export const rank = (t: TensorSig): number => t.shape.length;
export const inp = (s: OpSig, i: number): TensorSig => s.inputs[i] ?? NONE;
export const out = (s: OpSig, i: number): TensorSig => s.outputs[i] ?? NONE;
export const is = (t: TensorSig, ...types: TensorTypeName[]): boolean =>
  t.type !== undefined && types.includes(t.type);
/** (input 0, input 1, output 0) types all match. */
export const io = (s: OpSig, a: TensorTypeName, w: TensorTypeName, o: TensorTypeName): boolean =>
  is(inp(s, 0), a) && is(inp(s, 1), w) && is(out(s, 0), o);
export const hybrid = (s: OpSig): boolean => io(s, 'FLOAT32', 'INT8', 'FLOAT32');
export const opt = (s: OpSig, name: string): OptionValue | undefined => s.options[name];
/** Inputs of different shapes broadcast; versions care only about broadcasts above rank 4. */
export const broadcast5d = (s: OpSig): boolean =>
  s.inputs.length >= 2 && Math.max(...s.inputs.map(rank)) > 4 && !sameShape(inp(s, 0), inp(s, 1));

/** First matching [condition, version]; 1 when none matches. */
export const first =
  (...cases: [(s: OpSig) => boolean, number][]): VersionRule =>
  (s) =>
    cases.find(([when]) => when(s))?.[1] ?? 1;

/** Version 1 whatever the signature (CUSTOM, and builtins whose later versions this project never writes). */
export const always1: VersionRule = () => 1;
export const int16Int8: VersionRule = first(
  [(s) => is(inp(s, 0), 'INT16'), 3],
  [(s) => is(inp(s, 0), 'INT8'), 2],
);
export const int16PoolLike: VersionRule = first(
  [(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16'), 3],
  [(s) => is(inp(s, 0), 'INT8'), 2],
);

function sameShape(a: TensorSig, b: TensorSig): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}
