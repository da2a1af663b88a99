import { dtypeFromOnnx, type DType } from '../ir/dtype.js';
import { constantNodeValue, topoSort, type Graph, type Node } from '../ir/graph.js';
import { getOp } from '../ops/index.js';

/**
 * Element type of every value, from the file's type information where present and otherwise from a
 * small per-op rule (most ops keep their first input's type). Enough to tell float activations from
 * integer shape arithmetic; full shape inference is not needed for that.
 */
export function elementTypes(g: Graph): Map<string, DType> {
  const types = new Map<string, DType>();
  for (const [name, t] of g.initializers) types.set(name, t.dtype);
  for (const v of [...g.inputs, ...g.outputs, ...g.valueInfo.values()]) {
    if (v.type?.kind === 'tensor') types.set(v.name, v.type.dtype);
  }
  for (const node of topoSort(g)) {
    const out = outputType(node, types);
    for (const o of node.outputs) if (o && !types.has(o) && out) types.set(o, out);
  }
  return types;
}

function outputType(node: Node, types: Map<string, DType>): DType | undefined {
  if (node.domain !== '') return undefined;
  const fixed = getOp(node.opType)?.outputDType;
  if (fixed) return fixed;
  switch (node.opType) {
    case 'Constant':
      return constantNodeValue(node)?.dtype;
    case 'Cast':
      return node.attrs.to?.kind === 'int' ? dtypeFromOnnx(node.attrs.to.value) : undefined;
    case 'ConstantOfShape':
      return node.attrs.value?.kind === 'tensor' ? node.attrs.value.value.dtype : 'float32';
    case 'Where':
      return types.get(node.inputs[1]!);
    case 'QuantizeLinear':
      return types.get(node.inputs[2] ?? '') ?? 'uint8';
    case 'DequantizeLinear':
      return 'float32';
    default:
      return node.inputs.map((i) => types.get(i)).find((t) => t !== undefined);
  }
}
