import type { FusedActivation } from '../convert/lowering/activation.js';
import { indexGraph, type Node } from '../ir/graph.js';
import { fusableActivation, takesFusedActivation } from '../ops/index.js';
import type { Pass, PassStats } from './types.js';

/**
 * Records, on an op whose only reader is an activation TFLite can fuse into it (the reader's
 * `fusedActivation` in src/ops/, the same answer the quantizer and converter use), which activation can
 * run fused: `node.extra.fusedActivation = 'RELU' | 'RELU6' | 'RELU_N1_TO_1'`. The op must be one whose
 * TFLite lowering takes a fused activation. This is an annotation only: the activation node stays in
 * the graph and the graph computes exactly what it did. Stale annotations are removed.
 */

const KINDS: readonly FusedActivation[] = ['RELU', 'RELU6', 'RELU_N1_TO_1'];

export function fusedActivationOf(node: Node): FusedActivation | undefined {
  const v = node.extra?.fusedActivation;
  return KINDS.find((k) => k === v);
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
      takesFusedActivation(node.opType) &&
      node.outputs.length === 1 &&
      readers.length === 1 &&
      !index.graphOutputs.has(out!)
    ) {
      act = fusableActivation(readers[0]!, (n) => g.constant(n, index));
    }
    if (act === node.extra?.fusedActivation) return node;
    const { fusedActivation: _old, ...rest } = node.extra ?? {};
    const extra = act ? { ...rest, fusedActivation: act } : rest;
    if (act) stats['annotate-fused-activation'] = (stats['annotate-fused-activation'] ?? 0) + 1;
    return { ...node, extra: Object.keys(extra).length ? extra : undefined };
  });
  return { graph: g, stats };
};
