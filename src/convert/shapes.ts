import { UnsupportedOpError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { topoSort, type Graph, type ValueType } from '../ir/graph.js';
import { mergeTypes } from '../ir/shapes.js';
import { getOp } from '../ops/index.js';
import type { LogicalType } from './types.js';

/**
 * Shape inference over an ONNX graph that may hold QuantizeLinear/DequantizeLinear (which the op table
 * does not know): they keep their input's shape. Every other op is inferred by its own file.
 */
export function inferQdqTypes(g: Graph, opset: number): Map<string, ValueType> {
  const types = new Map<string, ValueType>();
  for (const v of [...g.inputs, ...g.valueInfo.values()]) if (v.type) types.set(v.name, v.type);
  for (const [name, t] of g.initializers)
    types.set(name, { kind: 'tensor', dtype: t.dtype, shape: [...t.dims] });
  for (const node of topoSort(g)) {
    const inputTypes = node.inputs.map((i) => (i ? types.get(i) : undefined));
    let out: (ValueType | undefined)[] = [];
    if (node.domain === '' && (node.opType === 'QuantizeLinear' || node.opType === 'DequantizeLinear')) {
      out = [qdqType(node.opType, inputTypes)];
    } else {
      const op = getOp(node.opType, node.domain);
      const constants = node.inputs.map((i) => (i ? g.initializers.get(i) : undefined));
      out = op?.inferShapes?.(node, { inputTypes, constants, opset }) ?? [];
    }
    node.outputs.forEach((name, k) => {
      const t = out[k];
      if (name && t) types.set(name, mergeTypes(types.get(name), t));
    });
  }
  return types;
}

function qdqType(opType: string, inputs: (ValueType | undefined)[]): ValueType | undefined {
  const x = inputs[0];
  if (x?.kind !== 'tensor') return undefined;
  const zp = inputs[2];
  const dtype: DType = opType === 'DequantizeLinear' ? 'float32' : zp?.kind === 'tensor' ? zp.dtype : 'uint8';
  return { kind: 'tensor', dtype, shape: x.shape };
}

/** The values whose shape is fully static, as logical types. */
export function staticTypes(types: Map<string, ValueType>): Map<string, LogicalType> {
  const out = new Map<string, LogicalType>();
  for (const [name, t] of types) {
    if (t.kind !== 'tensor' || !t.shape || !t.shape.every((d) => typeof d === 'number')) continue;
    out.set(name, { dtype: t.dtype, shape: t.shape as number[] });
  }
  return out;
}

/**
 * Every value the converter places and lowers needs a static shape; prepare() made the inputs static, so
 * the first node whose output stays unknown is the cause: an op the shape table does not know (a foreign
 * or QOperator op), or one whose output shape depends on the data. Either is refused here by node name,
 * before the layout pass, which would otherwise stop on the missing shape with no name attached.
 */
export function requireStaticShapes(
  g: Graph,
  types: Map<string, LogicalType>,
  supported: readonly string[],
): void {
  const read = new Set([...g.nodes.flatMap((n) => n.inputs), ...g.outputs.map((v) => v.name)]);
  for (const node of topoSort(g)) {
    const unknown = node.outputs.find((o) => o && read.has(o) && !types.has(o));
    if (!unknown) continue;
    const qdq =
      node.domain === '' && (node.opType === 'QuantizeLinear' || node.opType === 'DequantizeLinear');
    const known = qdq || getOp(node.opType, node.domain)?.inferShapes;
    const missingInput = node.inputs.find((i) => i && !g.initializers.has(i) && !types.has(i));
    // Downstream of a value already unknown: its producer was reported (or is a graph input, static).
    if (missingInput && known) continue;
    const why = known
      ? `where the shape of '${unknown}' depends on the input data (TFLite needs static shapes)`
      : `in ONNX to TFLite conversion`;
    throw new UnsupportedOpError(node.name || node.outputs[0]!, node.opType, supported, why);
  }
}
