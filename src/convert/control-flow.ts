import { ModelQuantError, UnsupportedOpError } from '../errors.js';
import { irToTflite } from '../formats/tflite/export.js';
import type { KeptSubgraph } from '../formats/tflite/ir-extras.js';
import { keptSubgraph } from '../formats/tflite/subgraphs.js';
import {
  cloneNode,
  indexGraph,
  outerReads,
  subgraphsOf,
  topoSort,
  type Graph,
  type Model,
  type Node,
  type ValueInfo,
} from '../ir/graph.js';
import { loweredOps } from '../ops/index.js';
import { removeDead } from '../passes/remove-dead.js';
import { inlineIf } from './inline-if.js';
import { inferQdqTypes, staticTypes } from './shapes.js';
import type { LogicalType } from './types.js';

/**
 * ONNX If on a value known only at run time (Silero VAD's sample rate) -> TFLite IF, whose two branches
 * are subgraphs of the file. Each branch is converted as a model of its own (quantized where the QDQ
 * graph quantized it, float where it did not) by `convertBranch`, and appended to `table`: the file's
 * subgraph i + 1 is table[i], so a nested IF, converted first, keeps the index it was given.
 *
 * TFLite subgraphs see nothing of the caller's tensors, so the outer values a branch reads become IF
 * operands (float, in ONNX order: the same for both branches) and the outer constants it reads are copied
 * into it. A QuantizeLinear of the caller that only feeds branches moves into them with its readers, so no
 * int8 value crosses the IF. Ifs whose condition the input shapes decide are gone by now (inline-if.ts).
 */
export function lowerIfsToSubgraphs<R>(
  input: Graph,
  opset: number,
  source: Model,
  table: KeptSubgraph[],
  convertBranch: (branch: Model) => { graph: Graph; report: R },
  notes: string[],
): { graph: Graph; inlined: boolean; reports: R[] } {
  refuseLoops(input);
  const reports: R[] = [];
  if (!input.nodes.some(isIf)) return { graph: input, inlined: false, reports };
  const g = input.clone();
  g.nodes = topoSort(g);
  for (let k = 0; k < g.nodes.length; k++) {
    const node = g.nodes[k]!;
    if (!isIf(node)) continue;
    const operands = ifOperands(g, node, staticTypes(inferQdqTypes(g, opset)));
    const before = table.length;
    const converted = BRANCHES.map((key) => {
      try {
        const { graph, report } = convertBranch({ ...source, graph: branchView(g, node, key, operands) });
        graph.name = `${node.name || node.outputs[0]}_${key}`;
        table.push(keptOf(graph));
        return { index: table.length, outputs: graph.outputs, report };
      } catch (e) {
        if (!(e instanceof ModelQuantError)) throw e;
        return e;
      }
    });
    const failed = converted.findIndex((c) => c instanceof ModelQuantError);
    if (failed >= 0) {
      // A branch that cannot run at these input shapes (Silero VAD's 8 kHz network on a 16 kHz window:
      // ONNX Runtime fails it too) leaves the other one, inlined; both failing is the first one's error.
      const other = converted[1 - failed]!;
      if (other instanceof ModelQuantError) throw converted[0] as ModelQuantError;
      table.length = before;
      notes.push(
        `If '${node.name || node.outputs[0]}': its ${BRANCHES[failed]} cannot be converted at these input shapes (${(converted[failed] as Error).message.split('; supported:')[0]}); the .tflite always runs its ${BRANCHES[1 - failed]}`,
      );
      // The inlined branch's own shape-decided Ifs fold when the caller prepares the graph again.
      inlineIf(g, k, BRANCHES[1 - failed]!);
      return { graph: g, inlined: true, reports };
    }
    const [then, otherwise] = converted as Converted<R>[];
    reports.push(then!.report, otherwise!.report);
    g.nodes[k] = explicitIf(g, node, operands, then!, otherwise!);
  }
  return { graph: removeDead(g, { opset, irVersion: 8 }).graph, inlined: false, reports };
}

const BRANCHES = ['then_branch', 'else_branch'] as const;

interface Converted<R> {
  index: number;
  outputs: ValueInfo[];
  report: R;
}

/**
 * The If as the lowering reads it (src/ops/If.ts): the condition, then the operands; the branches'
 * subgraph indices as attributes; its outputs typed as the branches give them.
 */
function explicitIf<R>(
  g: Graph,
  node: Node,
  ops: Operands,
  then: Converted<R>,
  otherwise: Converted<R>,
): Node {
  const outputs = sameOutputs(node, then.outputs, otherwise.outputs);
  outputs.forEach((info, i) => {
    const y = node.outputs[i];
    if (y) g.valueInfo.set(y, { ...info, name: y });
  });
  const rewritten = cloneNode(node);
  rewritten.inputs = [node.inputs[0]!, ...ops.values.map((v) => v.name)];
  rewritten.attrs = {
    then_subgraph_index: { kind: 'int', value: then.index },
    else_subgraph_index: { kind: 'int', value: otherwise.index },
  };
  return rewritten;
}

const isIf = (n: Node) => n.opType === 'If' && n.domain === '';

/** Loop and Scan bodies run per iteration: TFLite WHILE would need them, which is not written. */
function refuseLoops(g: Graph): void {
  const node = g.nodes.find((n) => !isIf(n) && subgraphsOf(n).length > 0);
  if (!node) return;
  throw new UnsupportedOpError(
    node.name || node.outputs[0] || '',
    node.opType,
    loweredOps(),
    'in ONNX to TFLite conversion (a loop: the .tflite would need a TFLite WHILE subgraph, which the converter does not write)',
  );
}

interface Operands {
  /** Runtime values the branches read, in the order the IF passes them (after its condition). */
  values: ValueInfo[];
  /** Outer constants the branches read: copied into each. */
  constants: string[];
  /** QuantizeLinear nodes of the caller whose outputs the branches read: moved into each. */
  quantizers: Node[];
}

function ifOperands(g: Graph, node: Node, types: Map<string, LogicalType>): Operands {
  const producer = indexGraph(g).producer;
  const reads = new Set(subgraphsOf(node).flatMap((sg) => [...outerReads(sg)]));
  const out: Operands = { values: [], constants: [], quantizers: [] };
  const addValue = (name: string) => {
    if (out.values.some((v) => v.name === name)) return;
    const t = types.get(name);
    if (!t)
      throw new UnsupportedOpError(
        node.name || node.outputs[0]!,
        'If',
        loweredOps(),
        `in ONNX to TFLite conversion: its branches read '${name}', whose shape is not static (give --input_shape)`,
      );
    out.values.push({ name, type: { kind: 'tensor', dtype: t.dtype, shape: t.shape } });
  };
  for (const name of reads) {
    if (g.initializers.has(name)) {
      out.constants.push(name);
      continue;
    }
    const q = producer.get(name);
    const movable =
      q?.opType === 'QuantizeLinear' &&
      q.domain === '' &&
      q.inputs.slice(1).every((i) => !i || g.initializers.has(i));
    if (!movable) {
      addValue(name);
      continue;
    }
    out.quantizers.push(q);
    for (const i of q.inputs.slice(1)) if (i) out.constants.push(i);
    if (g.initializers.has(q.inputs[0]!)) out.constants.push(q.inputs[0]!);
    else addValue(q.inputs[0]!);
  }
  return out;
}

/** One branch as a graph of its own: the IF operands as inputs, the outer constants and quantizers copied in. */
function branchView(g: Graph, node: Node, key: 'then_branch' | 'else_branch', ops: Operands): Graph {
  const a = node.attrs[key];
  if (a?.kind !== 'graph') throw new Error(`If '${node.name}' has no ${key}`);
  const view = a.value.clone();
  view.inputs = [...ops.values.map((v) => ({ ...v })), ...view.inputs];
  for (const c of ops.constants)
    if (!view.initializers.has(c)) view.initializers.set(c, g.initializers.get(c)!);
  view.nodes = [...ops.quantizers.map(cloneNode), ...view.nodes];
  return view;
}

/** The IF's outputs: both branches must give the same types, since TFLite sizes them before running. */
function sameOutputs(node: Node, a: ValueInfo[], b: ValueInfo[]): ValueInfo[] {
  const key = (v: ValueInfo) =>
    JSON.stringify(v.type?.kind === 'tensor' ? [v.type.dtype, v.type.shape] : null);
  const differ = a.findIndex((v, i) => key(v) !== key(b[i]!));
  if (differ >= 0 || a.length !== b.length)
    throw new UnsupportedOpError(
      node.name || node.outputs[0]!,
      'If',
      loweredOps(),
      `in ONNX to TFLite conversion: its branches give output ${differ} as ${key(a[differ]!)} and ${key(b[differ]!)}; a TFLite IF needs the same type and shape from both`,
    );
  return a.map((v) => ({ name: v.name, ...(v.type ? { type: v.type } : {}) }));
}

/** A converted branch as file data, in the form the writer appends after the main subgraph. */
function keptOf(g: Graph): KeptSubgraph {
  const m = irToTflite({ format: 'tflite', irVersion: 0, opsetImports: [], metadata: [], graph: g });
  return keptSubgraph(m, m.subgraphs[0]!);
}
