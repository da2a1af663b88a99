import { constantNodeValue, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { allOps, getOp } from '../ops/index.js';
import { shapeSlice } from '../ops/Shape.js';
import { NotEvaluable } from '../ops/types.js';
import { rulePass, type Rewrite, type Rule, type RuleContext } from './rewrite.js';

/**
 * Constant folding: Constant nodes become initializers; a node whose inputs are all constant is computed
 * once (its op's `evaluate`); Shape of a value whose shape is static is that shape, and so are the parts
 * of a partly static shape that a Gather or Slice picks out. Shape arithmetic chains (Shape -> Gather ->
 * Unsqueeze -> Concat -> Reshape) collapse to a constant target shape one step at a time.
 */

/** Outputs may grow past their inputs (ConstantOfShape, Expand, Tile) only up to this many elements. */
const MAX_GROWN_ELEMENTS = 1 << 16;

const constantToInitializer: Rule = {
  name: 'constant-to-initializer',
  roots: ['Constant'],
  match(node, cx) {
    const t = constantNodeValue(node);
    const out = node.outputs[0];
    // IR < 4 lists every initializer among the graph inputs; a graph output must stay a node's output.
    if (!t || !out || cx.isGraphOutput(out) || cx.pass.irVersion < 4) return undefined;
    return { remove: [node], initializers: [[out, t]] };
  },
};

function folded(node: Node, cx: RuleContext, outputs: Tensor[]): Rewrite | undefined {
  const inits: [string, Tensor][] = [];
  for (let i = 0; i < node.outputs.length; i++) {
    const name = node.outputs[i]!;
    if (!name) continue;
    if (!outputs[i] || cx.isGraphOutput(name)) return undefined;
    inits.push([name, outputs[i]!]);
  }
  return cx.pass.irVersion < 4 ? undefined : { remove: [node], initializers: inits };
}

const foldConstant: Rule = {
  name: 'fold-constant',
  roots: allOps()
    .filter((op) => op.evaluate && (op.domain ?? '') === '' && op.opType !== 'Constant')
    .map((op) => op.opType),
  match(node, cx) {
    const inputs = node.inputs.map((n) => (n ? cx.constant(n) : undefined));
    if (node.inputs.some((n, i) => n && !inputs[i])) return undefined;
    let outputs: Tensor[];
    try {
      outputs = getOp(node.opType)!.evaluate!(node, inputs, cx.opset);
    } catch (e) {
      if (e instanceof NotEvaluable) return undefined;
      throw e;
    }
    const inSize = inputs.reduce((n, t) => n + (t?.size ?? 0), 0);
    if (outputs.some((t) => t.size > Math.max(inSize, MAX_GROWN_ELEMENTS))) return undefined;
    return folded(node, cx, outputs);
  },
};

/** Marks unknown dims with values no real dim has, so a Gather/Slice result shows whether it used one. */
const UNKNOWN = -(2 ** 40);

/** Shape(x) with x's shape static; Gather/Slice of Shape(x) when only static dims are picked. */
const foldShape: Rule = {
  name: 'fold-shape',
  roots: ['Shape', 'Gather', 'Slice'],
  match(node, cx) {
    const shapeNode = node.opType === 'Shape' ? node : cx.producer(node.inputs[0]!);
    if (shapeNode?.opType !== 'Shape' || shapeNode.domain !== '') return undefined;
    const dims = cx.shape(shapeNode.inputs[0]!);
    if (!dims) return undefined;
    const marked = shapeSlice(shapeNode, dims).map((d, i) => (typeof d === 'number' ? d : UNKNOWN - i));
    const value = Tensor.int64([marked.length], marked);
    if (node === shapeNode) return marked.every((d) => d >= 0) ? folded(node, cx, [value]) : undefined;
    const rest = node.inputs.slice(1).map((n) => (n ? cx.constant(n) : undefined));
    if (node.inputs.slice(1).some((n, i) => n && !rest[i])) return undefined;
    let out: Tensor[];
    try {
      out = getOp(node.opType)!.evaluate!(node, [value, ...rest], cx.opset);
    } catch (e) {
      if (e instanceof NotEvaluable) return undefined;
      throw e;
    }
    return out[0]!.toNumbers().every((d) => d >= 0) ? folded(node, cx, out) : undefined;
  },
};

export const foldConstantsRules: Rule[] = [constantToInitializer, foldShape, foldConstant];

export const foldConstants = rulePass(foldConstantsRules);
