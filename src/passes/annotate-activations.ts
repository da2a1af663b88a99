import { indexGraph, type Node } from '../ir/graph.js';
import { clipBounds } from '../ops/Clip.js';
import type { Pass, PassStats } from './types.js';

/**
 * Records, on an op whose only reader is a Relu or a Clip(0, 6), that the activation can run fused into
 * it (as TFLite's `fused_activation_function` and integer kernels that clamp on the way out):
 * `node.extra.fusedActivation = 'Relu' | 'Relu6'`. This is an annotation only: the activation node
 * stays in the graph and the graph computes exactly what it did. Stale annotations are removed.
 */

export type FusedActivation = 'Relu' | 'Relu6';

/** Ops that integer runtimes (TFLite's builtins) can fuse an activation into. */
const FUSABLE = new Set([
  'Conv',
  'ConvTranspose',
  'Gemm',
  'MatMul',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'AveragePool',
  'MaxPool',
]);

export function fusedActivationOf(node: Node): FusedActivation | undefined {
  const v = node.extra?.fusedActivation;
  return v === 'Relu' || v === 'Relu6' ? v : undefined;
}

export const annotateActivations: Pass = (input) => {
  const g = input.clone();
  const index = indexGraph(g);
  const stats: PassStats = {};
  g.nodes = g.nodes.map((node) => {
    let act: FusedActivation | undefined;
    const out = node.outputs[0];
    const readers = out ? (index.consumers.get(out) ?? []) : [];
    if (
      node.domain === '' &&
      FUSABLE.has(node.opType) &&
      node.outputs.length === 1 &&
      readers.length === 1 &&
      !index.graphOutputs.has(out!)
    ) {
      act = activationOf(readers[0]!, (n) => g.constant(n, index));
    }
    if (act === fusedActivationOf(node)) return node;
    const { fusedActivation: _old, ...rest } = node.extra ?? {};
    const extra = act ? { ...rest, fusedActivation: act } : rest;
    if (act) stats['annotate-fused-activation'] = (stats['annotate-fused-activation'] ?? 0) + 1;
    return { ...node, extra: Object.keys(extra).length ? extra : undefined };
  });
  return { graph: g, stats };
};

function activationOf(reader: Node, constant: Parameters<typeof clipBounds>[1]): FusedActivation | undefined {
  if (reader.domain !== '') return undefined;
  if (reader.opType === 'Relu') return 'Relu';
  if (reader.opType !== 'Clip') return undefined;
  const b = clipBounds(reader, constant);
  if (b?.min !== 0) return undefined;
  return b.max === 6 ? 'Relu6' : b.max === Infinity ? 'Relu' : undefined;
}
