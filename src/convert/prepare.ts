import { opsetVersion, type Graph, type Model } from '../ir/graph.js';
import { concreteShapes, withShape } from '../ir/shapes.js';
import { Tensor } from '../ir/tensor.js';
import { shapeSlice } from '../ops/Shape.js';
import { foldConstants } from '../passes/fold-constants.js';
import { fuseGelu } from '../passes/fuse-gelu.js';
import { removeDead } from '../passes/remove-dead.js';
import { upgradeOpset } from '../passes/upgrade-opset.js';
import { foldConstantQdq } from './fold-constant-qdq.js';
import { inlineConstantIfs } from './inline-if.js';
import { inferQdqTypes } from './shapes.js';
import type { ConvertOptions } from './types.js';

/** Rounds of shape folding; each removes at least one node, real models need two or three. */
const MAX_ROUNDS = 10;

/**
 * Brings the model to what the converter reads: opset >= 13 (one spelling per op), static input
 * shapes, and shape arithmetic (Shape -> Cast -> Slice -> Concat -> Reshape) folded to constants, which
 * TFLite needs as the new shape of a RESHAPE. An If that these constants decide becomes its branch.
 */
export function prepare(
  model: Model,
  opts: Pick<ConvertOptions, 'inputShapes'>,
): { graph: Graph; opset: number } {
  const upgraded = (opsetVersion(model) ?? 13) < 13 ? upgradeOpset(model).model : model;
  const opset = opsetVersion(upgraded) ?? 13;
  const ctx = { opset, irVersion: Math.max(upgraded.irVersion, 7) };
  let g = upgraded.graph.clone();
  // One rule for every input (ir/shapes.ts): the pipeline passes the shapes its data has; a symbolic
  // dim with no value is refused rather than guessed.
  const given = opts.inputShapes ?? new Map<string, number[]>();
  const shapes = concreteShapes(
    g.inputs.filter((v) => !g.initializers.has(v.name)),
    (v) => given.get(v.name) ?? given.get('*'),
  );
  g.inputs = g.inputs.map((v) => (g.initializers.has(v.name) ? v : withShape(v, shapes.get(v.name)!)));
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const size = g.nodes.length;
    g = foldStaticShapes(g, opset);
    g = foldConstants(foldConstantQdq(g), ctx).graph;
    const inlined = inlineConstantIfs(g);
    const branched = inlined !== g;
    g = removeDead(inlined, ctx).graph;
    if (g.nodes.length === size && !branched) break;
  }
  // GELU written with Erf becomes one GELU (Erf alone has no TFLite builtin).
  g = fuseGelu(g, ctx).graph;
  return { graph: g, opset };
}

/** Shape (and Size) of a value whose shape is static becomes an initializer. */
function foldStaticShapes(input: Graph, opset: number): Graph {
  const types = inferQdqTypes(input, opset);
  const g = input.clone();
  g.nodes = g.nodes.filter((node) => {
    if ((node.opType !== 'Shape' && node.opType !== 'Size') || node.domain !== '') return true;
    const t = types.get(node.inputs[0]!);
    const dims = t?.kind === 'tensor' ? t.shape : undefined;
    if (!dims || !dims.every((d) => typeof d === 'number')) return true;
    const value =
      node.opType === 'Size'
        ? Tensor.int64([], [(dims as number[]).reduce((a, b) => a * b, 1)])
        : Tensor.int64([shapeSlice(node, dims).length], shapeSlice(node, dims as number[]));
    g.initializers.set(node.outputs[0]!, value);
    return false;
  });
  return g;
}
