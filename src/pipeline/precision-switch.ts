import type { Candidate } from '../eval/evaluate.js';
import { exportOnnx } from '../formats/onnx/export.js';
import { indexGraph, topoSort, type Graph, type Model, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { createOrtSession } from '../runtime/ort.js';

/**
 * Many variants of one QDQ model in one ONNX Runtime session, so that a candidate set of ops costs only
 * its inference runs, not a quantization, a file and a session start-up (about a second on PP-OCRv4
 * rec). Each rounding the file would lose with some ops in float gets a boolean graph input and a
 * Where(switch, float value, dequantized value) after its DequantizeLinear:
 * - a weight or bias: the float model's constant, for the node that reads it (its switch is the node's);
 * - an activation: the value before its QuantizeLinear, for every reader. An activation is float in a
 *   written file only when no op that writes or reads it is quantized (an int8 op writes int8, and
 *   insertQdq gives every reader of a quantized tensor its DQ), and under pow2 a graph input never is
 *   (the target takes int8 inputs at --input_scale); candidate() sets its switch so.
 * The variants are close to, not equal to, the files the same exclude lists write (pow2 may pick other
 * exponents where an op's neighbours change): the search checks its choice on a real file.
 */
export interface SwitchedModel {
  /** The model with the named quantized nodes `float` run in float. Closing it closes nothing. */
  candidate(float: Iterable<string>): Candidate;
  close(): Promise<void>;
}

/** One rounding the switches can take out: the nodes that must all be float for it to go. */
interface Rounding {
  input: string;
  needs: string[];
}

export async function switchedModel(
  quant: Model,
  floatGraph: Graph,
  nodes: readonly string[],
): Promise<SwitchedModel> {
  const pow2Inputs = quant.quantScheme?.scheme === 'pow2';
  const { graph, roundings } = switchedGraph(quant.graph, floatGraph, nodes, pow2Inputs);
  const session = await createOrtSession(exportOnnx({ ...quant, graph }).bytes, {
    graphOptimizationLevel: 'basic',
  });
  const off = new Tensor('bool', [], Uint8Array.of(0));
  const on = new Tensor('bool', [], Uint8Array.of(1));
  return {
    candidate(float) {
      const kept = new Set(float);
      const feeds: Record<string, Tensor> = {};
      for (const r of roundings) feeds[r.input] = r.needs.every((n) => kept.has(n)) ? on : off;
      return {
        async run(x) {
          const out: Record<string, { dims: readonly number[]; data: Float32Array }> = {};
          for (const [k, t] of Object.entries(await session.run({ ...x, ...feeds })))
            out[k] = { dims: t.dims, data: t.toFloat32() };
          return out;
        },
        close: () => undefined,
      };
    },
    close: () => session.close(),
  };
}

/**
 * The QDQ graph with its switches. `nodes` are the quantized nodes that may be switched (by name); a
 * named node not among them and not a Q/DQ node is float already. The float constants come from
 * `floatGraph` (the graph the QDQ one was made from: same node names, same input slots).
 */
export function switchedGraph(
  quant: Graph,
  floatGraph: Graph,
  nodes: readonly string[],
  pow2Inputs: boolean,
): { graph: Graph; roundings: Rounding[] } {
  const g = quant.clone();
  const index = indexGraph(g);
  const floatNodes = new Map(floatGraph.nodes.filter((n) => n.name).map((n) => [n.name, n]));
  const unique = uniqueNames(g);
  const switchable = new Set(nodes);
  const roundings: Rounding[] = [];
  const added: Node[] = [];
  const where = (needs: string[], float: string, quantized: string, out: string) => {
    const input = unique(`mixed_precision_switch_${roundings.length}`);
    roundings.push({ input, needs });
    g.inputs.push({ name: input, type: { kind: 'tensor', dtype: 'bool', shape: [] } });
    added.push({
      name: '',
      opType: 'Where',
      domain: '',
      inputs: [input, float, quantized],
      outputs: [out],
      attrs: {},
    });
  };
  // Weights and biases, per node that reads them.
  for (const node of g.nodes) {
    if (!switchable.has(node.name)) continue;
    node.inputs = node.inputs.map((v, slot) => {
      const dq = v ? dequantizer(index, v) : undefined;
      if (!dq || !g.initializers.has(dq.inputs[0]!)) return v;
      const float = floatConstant(g, floatGraph, floatNodes.get(node.name)?.inputs[slot], unique);
      if (!float) return v;
      const out = unique(`${v}_switched`);
      where([node.name], float, v, out);
      return out;
    });
  }
  // Activations: every DQ of a QuantizeLinear, when its writer and all its readers can be float.
  for (const q of [...g.nodes]) {
    if (q.opType !== 'QuantizeLinear' || q.domain !== '') continue;
    const x = q.inputs[0]!;
    const writer = index.producer.get(x);
    if (!writer && pow2Inputs && !g.initializers.has(x)) continue;
    const dqs = (index.consumers.get(q.outputs[0]!) ?? []).filter((d) => d.opType === 'DequantizeLinear');
    const readers = dqs.flatMap((d) => index.consumers.get(d.outputs[0]!) ?? []);
    const ops = [...(writer ? [writer] : []), ...readers];
    // An unnamed op cannot be excluded; a named one that cannot be switched is float already.
    if (ops.some((n) => !n.name)) continue;
    const needs = [...new Set(ops.map((n) => n.name).filter((n) => switchable.has(n)))];
    for (const d of dqs) {
      const out = d.outputs[0]!;
      const quantized = unique(`${out}_quantized`);
      d.outputs = [quantized];
      where(needs, x, quantized, out);
    }
  }
  g.nodes = [...g.nodes, ...added];
  g.nodes = topoSort(g);
  return { graph: g, roundings };
}

function uniqueNames(g: Graph): (base: string) => string {
  const taken = new Set([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
  for (const n of g.nodes) for (const o of n.outputs) taken.add(o);
  return (base) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
}

function dequantizer(index: ReturnType<typeof indexGraph>, value: string): Node | undefined {
  const p = index.producer.get(value);
  return p?.opType === 'DequantizeLinear' && p.domain === '' ? p : undefined;
}

/** The float model's constant a node reads in a slot, added to `g` under a new name. */
function floatConstant(
  g: Graph,
  floatGraph: Graph,
  floatInput: string | undefined,
  unique: (base: string) => string,
): string | undefined {
  const t = floatInput === undefined ? undefined : floatGraph.initializers.get(floatInput);
  if (!t || t.dtype !== 'float32') return undefined;
  const name = unique(`${floatInput}_float`);
  g.initializers.set(name, t);
  return name;
}
