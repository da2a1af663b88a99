import { attrFloat, attrInt, attrInts, attrString, int } from '../ir/attrs.js';
import type { Graph, Model, Node } from '../ir/graph.js';
import { opsetVersion } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';

/**
 * Moves a model to ONNX opset 13, the first with per-axis QuantizeLinear/DequantizeLinear (or to a later
 * `target`). Only the ops whose signature changed between the model's opset and 13 are rewritten
 * (attributes that became inputs, and the 2-D coercion of Softmax before 13); every other op means the
 * same at 13. From 13 to 14 no op's meaning changed (14 added HardSwish and Trilu, types, and attributes
 * whose defaults are the old behaviour: Reshape allowzero, the RNNs' layout, BatchNormalization
 * training_mode), so 14 is a valid target too.
 */
export const TARGET_OPSET = 13;
const MAX_TARGET = 14;

export function upgradeOpset(model: Model, target = TARGET_OPSET): { model: Model; rewritten: number } {
  if (target < TARGET_OPSET || target > MAX_TARGET) throw new RangeError(`upgradeOpset: no target ${target}`);
  const from = opsetVersion(model) ?? target;
  if (from >= target) return { model, rewritten: 0 };
  const g = model.graph.clone();
  let rewritten = 0;
  const nodes: Node[] = [];
  const fresh = freshNames(g);
  for (const node of g.nodes) {
    const out = node.domain === '' && from < TARGET_OPSET ? upgradeNode(node, from, g, fresh) : undefined;
    if (out) rewritten++;
    nodes.push(...(out ?? [node]));
  }
  g.nodes = nodes;
  const opsetImports = model.opsetImports.map((o) =>
    o.domain === '' || o.domain === 'ai.onnx' ? { ...o, version: target } : o,
  );
  return { model: { ...model, irVersion: Math.max(model.irVersion, 7), opsetImports, graph: g }, rewritten };
}

function upgradeNode(n: Node, from: number, g: Graph, fresh: (b: string) => string): Node[] | undefined {
  const constInput = (base: string, t: Tensor) => {
    const name = fresh(`${n.name || n.outputs[0]}_${base}`);
    g.initializers.set(name, t);
    return name;
  };
  const dropAttrs = (...names: string[]) =>
    Object.fromEntries(Object.entries(n.attrs).filter(([k]) => !names.includes(k)));
  switch (n.opType) {
    case 'Clip': {
      if (from >= 11) return undefined;
      const lo = attrFloat(n, 'min', -3.4028234663852886e38);
      const hi = attrFloat(n, 'max', 3.4028234663852886e38);
      const inputs = [
        n.inputs[0]!,
        constInput('min', Tensor.float32([], [lo])),
        constInput('max', Tensor.float32([], [hi])),
      ];
      return [{ ...n, inputs, attrs: dropAttrs('min', 'max') }];
    }
    case 'Slice': {
      if (from >= 10) return undefined;
      const starts = attrInts(n, 'starts', []);
      const inputs = [
        n.inputs[0]!,
        constInput('starts', Tensor.int64([starts.length], starts)),
        constInput('ends', Tensor.int64([starts.length], attrInts(n, 'ends', []))),
      ];
      const axes = attrInts(n, 'axes');
      if (axes) inputs.push(constInput('axes', Tensor.int64([axes.length], axes)));
      return [{ ...n, inputs, attrs: {} }];
    }
    case 'Pad': {
      if (from >= 11) return undefined;
      const pads = attrInts(n, 'pads', []);
      const inputs = [
        n.inputs[0]!,
        constInput('pads', Tensor.int64([pads.length], pads)),
        constInput('value', Tensor.float32([], [attrFloat(n, 'value', 0)])),
      ];
      return [
        { ...n, inputs, attrs: { mode: { kind: 'string', value: attrString(n, 'mode', 'constant') } } },
      ];
    }
    case 'Squeeze':
    case 'Unsqueeze':
    case 'ReduceSum': {
      const axes = attrInts(n, 'axes');
      if (!axes) return undefined;
      return [
        {
          ...n,
          inputs: [n.inputs[0]!, constInput('axes', Tensor.int64([axes.length], axes))],
          attrs: dropAttrs('axes'),
        },
      ];
    }
    case 'Split': {
      const split = attrInts(n, 'split');
      if (!split) return undefined;
      return [
        {
          ...n,
          inputs: [n.inputs[0]!, constInput('split', Tensor.int64([split.length], split))],
          attrs: dropAttrs('split'),
        },
      ];
    }
    case 'Softmax':
    case 'LogSoftmax':
    case 'Hardmax':
      return coercedSoftmax(n, fresh);
    case 'Dropout':
      return [{ ...n, attrs: dropAttrs('ratio', 'is_test', 'seed') }];
    case 'BatchNormalization':
      return [{ ...n, attrs: dropAttrs('spatial', 'consumed_inputs', 'is_test') }];
    default:
      return undefined;
  }
}

/**
 * Before opset 13, Softmax flattens its input to 2-D at `axis` (default 1) and normalizes the second
 * dimension. At 13 that is Flatten(axis) -> Softmax(-1) -> Reshape back to the input's shape.
 */
function coercedSoftmax(n: Node, fresh: (b: string) => string): Node[] {
  const x = n.inputs[0]!;
  const y = n.outputs[0]!;
  const base = n.name || y;
  const shape = fresh(`${base}_shape`);
  const flat = fresh(`${base}_flat`);
  const soft = fresh(`${base}_2d`);
  return [
    { name: fresh(`${base}_Shape`), opType: 'Shape', domain: '', inputs: [x], outputs: [shape], attrs: {} },
    {
      name: fresh(`${base}_Flatten`),
      opType: 'Flatten',
      domain: '',
      inputs: [x],
      outputs: [flat],
      attrs: { axis: int(attrInt(n, 'axis', 1)) },
    },
    { ...n, inputs: [flat], outputs: [soft], attrs: { axis: int(-1) } },
    {
      name: fresh(`${base}_Reshape`),
      opType: 'Reshape',
      domain: '',
      inputs: [soft, shape],
      outputs: [y],
      attrs: {},
    },
  ];
}

function freshNames(g: Graph): (base: string) => string {
  const used = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
  for (const n of g.nodes) {
    used.add(n.name);
    for (const o of n.outputs) used.add(o);
  }
  return (base) => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}
