import type { Candidate } from '../eval/evaluate.js';
import { exportOnnx } from '../formats/onnx/export.js';
import { indexGraph, topoSort, type Graph, type Model, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { createOrtSession } from '../runtime/ort.js';

/**
 * Many variants of one QDQ model in one ONNX Runtime session. Every DequantizeLinear a switchable node
 * reads is followed by Where(switch, float value, dequantized value), where the float value is what
 * the QuantizeLinear before it read (an activation) or the float model's constant (a weight, a bias),
 * and `switch` is a boolean graph input per node. Feeding a node's switch true runs that node on float
 * inputs and float weights, as a model quantized with the node excluded does: its readers still read its
 * output through their own Q/DQ pair (one DQ per reader, see insertQdq). So a candidate set of ops costs
 * only its inference runs, not a quantization, a file and a session start-up (about a second on PP-OCRv4
 * rec). The variants are close to, not equal to, the files the same exclude lists write (pow2 may pick
 * other exponents where an op's neighbours change): the search verifies its choice on a real file.
 */
export interface SwitchedModel {
  /** The nodes that have a switch (by name). */
  switchable: ReadonlySet<string>;
  /** The model with `float` (node names; others ignored) run in float. Closing it closes nothing. */
  candidate(float: Iterable<string>): Candidate;
  close(): Promise<void>;
}

/** The boolean graph input that switches `node` to float. */
const switchName = (i: number) => `mixed_precision_switch_${i}`;

export async function switchedModel(
  quant: Model,
  floatGraph: Graph,
  nodes: readonly string[],
): Promise<SwitchedModel> {
  const { graph, switches } = switchedGraph(quant.graph, floatGraph, nodes);
  const session = await createOrtSession(exportOnnx({ ...quant, graph }).bytes, {
    graphOptimizationLevel: 'basic',
  });
  const off = new Tensor('bool', [], Uint8Array.of(0));
  const on = new Tensor('bool', [], Uint8Array.of(1));
  return {
    switchable: new Set(switches.keys()),
    candidate(float) {
      const feeds: Record<string, Tensor> = {};
      for (const name of switches.values()) feeds[name] = off;
      for (const n of float) {
        const s = switches.get(n);
        if (s) feeds[s] = on;
      }
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
 * The QDQ graph with a switch before every input a named node reads through a DequantizeLinear. The
 * float constants come from `floatGraph` (the graph the QDQ one was made from: same node names, same
 * input slots), since the QDQ graph holds only their int8 form.
 */
export function switchedGraph(
  quant: Graph,
  floatGraph: Graph,
  nodes: readonly string[],
): { graph: Graph; switches: Map<string, string> } {
  const g = quant.clone();
  const index = indexGraph(g);
  const floatNodes = new Map(floatGraph.nodes.filter((n) => n.name).map((n) => [n.name, n]));
  const taken = new Set([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
  for (const n of g.nodes) for (const o of n.outputs) taken.add(o);
  const unique = (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const wanted = new Set(nodes);
  const switches = new Map<string, string>();
  const added: Node[] = [];
  const switchOf = (node: string) => {
    let cond = switches.get(node);
    if (cond === undefined) {
      cond = switchName(switches.size);
      switches.set(node, cond);
      g.inputs.push({ name: cond, type: { kind: 'tensor', dtype: 'bool', shape: [] } });
    }
    return cond;
  };
  const where = (node: string, float: string, quantized: string, out: string) =>
    added.push({
      name: '',
      opType: 'Where',
      domain: '',
      inputs: [switchOf(node), float, quantized],
      outputs: [out],
      attrs: {},
    });
  for (const node of g.nodes) {
    if (!wanted.has(node.name)) continue;
    node.inputs = node.inputs.map((v, slot) => {
      const dq = v ? dequantizer(index, v) : undefined;
      const float =
        dq && floatValue(g, index, dq, floatGraph, floatNodes.get(node.name)?.inputs[slot], unique);
      if (!float) return v;
      const out = unique(`${v}_switched`);
      where(node.name, float, v, out);
      return out;
    });
  }
  // A graph output is a reader too: a node in float writes it unrounded (it keeps its own DQ, see insertQdq).
  for (const o of g.outputs) {
    const dq = dequantizer(index, o.name);
    const q = dq && index.producer.get(dq.inputs[0]!);
    const x = q?.opType === 'QuantizeLinear' ? q.inputs[0]! : undefined;
    const p = x === undefined ? undefined : index.producer.get(x);
    if (!dq || !p || !wanted.has(p.name)) continue;
    const quantized = unique(`${o.name}_quantized`);
    dq.outputs = [quantized];
    where(p.name, x!, quantized, o.name);
  }
  g.nodes = [...g.nodes, ...added];
  g.nodes = topoSort(g);
  return { graph: g, switches };
}

function dequantizer(index: ReturnType<typeof indexGraph>, value: string): Node | undefined {
  const p = index.producer.get(value);
  return p?.opType === 'DequantizeLinear' && p.domain === '' ? p : undefined;
}

/**
 * What a DequantizeLinear stands for in float: the input of the QuantizeLinear before it (an
 * activation), else the float graph's constant in the same input slot of the same node.
 */
function floatValue(
  g: Graph,
  index: ReturnType<typeof indexGraph>,
  dq: Node,
  floatGraph: Graph,
  floatInput: string | undefined,
  unique: (base: string) => string,
): string | undefined {
  const q = index.producer.get(dq.inputs[0]!);
  if (q?.opType === 'QuantizeLinear' && q.domain === '') return q.inputs[0];
  const t = floatInput === undefined ? undefined : floatGraph.initializers.get(floatInput);
  if (!t || t.dtype !== 'float32' || !g.initializers.has(dq.inputs[0]!)) return undefined;
  const name = unique(`${floatInput}_float`);
  g.initializers.set(name, t);
  return name;
}
