import { indexGraph, type Node } from '../ir/graph.js';
import { fusableActivation, tfliteLowering } from '../ops/index.js';
import { sameParams } from './quant-util.js';
import { cloneState, count, type ConvState } from './types.js';

/**
 * Conv/Gemm/Add/... followed by an activation TFLite fuses (the op's `fusedActivation`) becomes one op with a fused activation, where the QDQ
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
    const kind = fusableActivation(act, (name) => s.graph.initializers.get(name));
    const x = act.inputs[0];
    const p = kind && x ? index.producer.get(x) : undefined;
    if (!kind || !p || p.domain !== '' || p.outputs[0] !== x || p.extra?.tfliteFusedActivation) continue;
    if ((index.consumers.get(x!) ?? []).length !== 1 || outputs.has(x!)) continue;
    if (
      !tfliteLowering(p.opType)?.fusable?.(p, s) ||
      !sameParams(s.quant.get(x!), s.quant.get(act.outputs[0]!))
    )
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
