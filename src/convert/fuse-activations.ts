import { indexGraph, type Node } from '../ir/graph.js';
import { clipBounds } from '../ops/Clip.js';
import { getMapping } from './ops/index.js';
import { sameParams } from './quant-util.js';
import { cloneState, count, type ConvState } from './types.js';

/** TFLite `ActivationFunctionType` codes (schema.fbs). */
export const ACTIVATION = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3 } as const;
export type FusedActivation = keyof typeof ACTIVATION;

/** The fused activation a producing op carries, set by this pass (node.extra.tfliteFusedActivation). */
export const fusedActivationOf = (node: Node): number =>
  ACTIVATION[(node.extra?.tfliteFusedActivation as FusedActivation | undefined) ?? 'NONE'];

/**
 * Conv/Gemm/Add/... followed by Relu or Clip(0, 6) becomes one op with a fused activation, where the QDQ
 * graph gives the producer's output the activation's parameters (the quantizer does so for a sole
 * reader; TFLite then clamps inside the op's requantization, as ORT's QDQ fusion does).
 */
export function fuseActivations(input: ConvState): ConvState {
  const s = cloneState(input);
  const g = s.graph;
  const index = indexGraph(g);
  const outputs = new Set(g.outputs.map((v) => v.name));
  const removed = new Set<Node>();
  for (const act of g.nodes) {
    const kind = activationKind(act, s);
    const x = act.inputs[0];
    const p = kind && x ? index.producer.get(x) : undefined;
    if (!kind || !p || p.domain !== '' || p.outputs[0] !== x || p.extra?.tfliteFusedActivation) continue;
    if ((index.consumers.get(x!) ?? []).length !== 1 || outputs.has(x!)) continue;
    if (!getMapping(p.opType)?.fusable?.(p, s) || !sameParams(s.quant.get(x!), s.quant.get(act.outputs[0]!)))
      continue;
    const i = g.nodes.indexOf(p);
    g.nodes[i] = {
      ...p,
      outputs: [act.outputs[0]!, ...p.outputs.slice(1)],
      extra: { ...p.extra, tfliteFusedActivation: kind },
    };
    index.producer.set(act.outputs[0]!, g.nodes[i]!);
    removed.add(act);
    s.quant.delete(x!);
    s.types.delete(x!);
    count(s, `fused-${kind.toLowerCase()}`);
  }
  g.nodes = g.nodes.filter((n) => !removed.has(n));
  return s;
}

function activationKind(node: Node, s: ConvState): FusedActivation | undefined {
  if (node.domain !== '') return undefined;
  if (node.opType === 'Relu') return 'RELU';
  const b = node.opType === 'Clip' ? clipBounds(node, (name) => s.graph.initializers.get(name)) : undefined;
  if (b?.min === 0 && b.max === 6) return 'RELU6';
  if (b?.min === 0 && b.max === Infinity) return 'RELU';
  if (b?.min === -1 && b.max === 1) return 'RELU_N1_TO_1';
  return undefined;
}
