import { InvalidOptionError } from '../errors.js';
import { getOp } from '../ops/index.js';
import type { ShapeContext } from '../ops/types.js';
import { Graph, indexGraph, topoSort, type Dim, type ValueInfo, type ValueType } from './graph.js';

/**
 * Static shape inference over the IR, driven by each op's `inferShapes` (src/ops/<OpType>.ts). Ops
 * without one (unknown ops, other domains such as 'tflite') leave their outputs unknown; nothing throws
 * on them. Symbolic dims (strings) flow through where an op keeps them.
 */

export interface ShapeOptions {
  /** The default-domain opset, for the few ops whose inputs changed meaning between versions. */
  opset?: number;
}

/** Every value's type that is known or can be inferred: graph inputs, initializers, node outputs. */
export function inferTypes(g: Graph, opts: ShapeOptions = {}): Map<string, ValueType> {
  const types = new Map<string, ValueType>();
  for (const v of g.inputs) if (v.type) types.set(v.name, v.type);
  for (const [name, v] of g.valueInfo) if (v.type) types.set(name, v.type);
  for (const v of g.outputs) if (v.type && !types.has(v.name)) types.set(v.name, v.type);
  for (const [name, t] of g.initializers)
    types.set(name, { kind: 'tensor', dtype: t.dtype, shape: [...t.dims] });
  const index = indexGraph(g);
  for (const node of topoSort(g)) {
    const op = getOp(node.opType, node.domain);
    if (!op?.inferShapes) continue;
    const ctx: ShapeContext = {
      inputTypes: node.inputs.map((i) => (i ? types.get(i) : undefined)),
      constants: node.inputs.map((i) => (i ? g.constant(i, index) : undefined)),
      opset: opts.opset,
    };
    const out = op.inferShapes(node, ctx);
    node.outputs.forEach((name, k) => {
      const t = out[k];
      if (name && t) types.set(name, mergeTypes(types.get(name), t));
    });
  }
  return types;
}

/**
 * A new graph whose value_info holds the inferred type of every intermediate value (graph inputs,
 * outputs and initializers keep their own). The input graph is not changed.
 */
export function inferShapes(g: Graph, opts: ShapeOptions = {}): Graph {
  const types = inferTypes(g, opts);
  const out = g.clone();
  const skip = new Set([
    ...g.inputs.map((v) => v.name),
    ...g.outputs.map((v) => v.name),
    ...g.initializers.keys(),
  ]);
  for (const node of g.nodes) {
    for (const name of node.outputs) {
      const t = types.get(name);
      if (!name || skip.has(name) || t?.kind !== 'tensor') continue;
      out.valueInfo.set(name, { ...g.valueInfo.get(name), name, type: t });
    }
  }
  return out;
}

/**
 * Combines a declared and an inferred type: a fixed size beats a symbol, a symbol beats unknown; the
 * inferred type wins when the two disagree on the element type or rank.
 */
export function mergeTypes(declared: ValueType | undefined, inferred: ValueType): ValueType {
  if (declared?.kind !== 'tensor' || inferred.kind !== 'tensor') return inferred;
  if (declared.dtype !== inferred.dtype) return inferred;
  if (!inferred.shape) return declared;
  if (!declared.shape || declared.shape.length !== inferred.shape.length) return inferred;
  const shape = inferred.shape.map((d, i) => mergeDim(declared.shape![i]!, d));
  return { kind: 'tensor', dtype: inferred.dtype, shape };
}

function mergeDim(a: Dim, b: Dim): Dim {
  if (typeof b === 'number') return b;
  if (typeof a === 'number') return a;
  return b ?? a;
}

const dimText = (d: Dim) => (d === null ? '?' : String(d));
const shapeText = (dims: readonly Dim[]) => dims.map(dimText).join('x');

/**
 * The concrete shape a graph input runs at: `given` (from the data or --input_shape) when there is one,
 * checked against the declared rank and fixed dims; else the declared shape with a leading symbolic dim
 * taken as batch 1. Any other symbolic dim without a value is a usage error naming the input and the
 * flag: a silent guess (1) would write a model for inputs nobody has.
 */
export function concreteShape(v: ValueInfo, given?: readonly number[], source = '--input_shape'): number[] {
  const declared = v.type?.kind === 'tensor' ? v.type.shape : undefined;
  if (given) {
    if (declared && declared.length !== given.length) {
      throw new InvalidOptionError(
        'input_shape',
        `input '${v.name}' has rank ${declared.length} ([${declared.map(dimText).join(', ')}]); ${source} gives ${given.length} dims (${given.join('x')})`,
      );
    }
    const clash = declared?.findIndex((d, i) => typeof d === 'number' && d !== given[i]) ?? -1;
    if (clash >= 0) {
      throw new InvalidOptionError(
        'input_shape',
        `input '${v.name}' is fixed at ${shapeText(declared!)}; ${source} gives ${given.join('x')} (dim ${clash} differs)`,
      );
    }
    return [...given];
  }
  if (!declared) {
    throw new InvalidOptionError(
      'input_shape',
      `model input '${v.name}' has no known shape; give it with --input_shape ${v.name}=1x...`,
    );
  }
  const dims = declared.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : NaN));
  if (dims.some(Number.isNaN)) {
    throw new InvalidOptionError(
      'input_shape',
      `model input '${v.name}' has dynamic dims [${declared.map(dimText).join(', ')}]; give calibration data or a concrete shape with --input_shape ${v.name}=${dims.map((d) => (Number.isNaN(d) ? 'N' : d)).join('x')}`,
    );
  }
  return dims;
}

/**
 * concreteShape for every input, with a symbolic dim's name meaning one size across the inputs: what one
 * input's shape (given, or its leading dim taken as batch 1) sets for a name holds for every other input
 * that names that dim. Silero VAD declares input [batch, sequence] and state [2, batch, 128]:
 * --input_shape input=1x512 is enough. Inputs with a shape given are read first; a given shape whose
 * named dim disagrees with another's is refused, naming both inputs.
 */
export function concreteShapes(
  inputs: readonly ValueInfo[],
  given: (v: ValueInfo) => readonly number[] | undefined,
): Map<string, number[]> {
  const bound = new Map<string, { size: number; input: string }>();
  const out = new Map<string, number[]>();
  const bind = (v: ValueInfo, dims: number[]) => {
    const declared = (v.type?.kind === 'tensor' ? v.type.shape : undefined) ?? [];
    declared.forEach((d, i) => {
      if (typeof d !== 'string' || dims[i] === undefined) return;
      const was = bound.get(d);
      if (was && was.size !== dims[i])
        throw new InvalidOptionError(
          'input_shape',
          `dim '${d}' is ${was.size} in input '${was.input}' but ${dims[i]} in input '${v.name}'; the model names one size by it: give both the same`,
        );
      if (!was) bound.set(d, { size: dims[i]!, input: v.name });
    });
    out.set(v.name, dims);
  };
  for (const v of inputs) {
    const dims = given(v);
    if (dims) bind(v, concreteShape(v, dims));
  }
  for (const v of inputs) {
    if (out.has(v.name)) continue;
    const declared = v.type?.kind === 'tensor' ? v.type.shape : undefined;
    const dims = declared?.map((d) => (typeof d === 'string' ? bound.get(d)?.size : (d ?? undefined)));
    // Every symbolic dim that a name sets: the shape is known; else the one-input rule (batch 1 or refuse).
    bind(v, dims?.every((d) => d !== undefined) ? (dims as number[]) : concreteShape(v));
  }
  return new Map(inputs.map((v) => [v.name, out.get(v.name)!]));
}

/** `v` with the concrete shape `dims` (same element type). */
export function withShape(v: ValueInfo, dims: readonly number[]): ValueInfo {
  if (v.type?.kind !== 'tensor') return v;
  return { ...v, type: { ...v.type, shape: [...dims] } };
}

/** Runtime inputs with the shapes given (initializer-backed inputs and others as they are). */
export function fixedInputs(
  inputs: readonly ValueInfo[],
  shapes: ReadonlyMap<string, readonly number[]>,
): ValueInfo[] {
  return inputs.map((v) => {
    const dims = shapes.get(v.name);
    return dims ? withShape(v, dims) : v;
  });
}
