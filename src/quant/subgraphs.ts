import { getOp } from '../ops/index.js';
import { int } from '../ir/attrs.js';
import type { DType } from '../ir/dtype.js';
import {
  constantNodeValue,
  outerReads,
  readNames,
  subgraphsOf,
  type Attribute,
  type Graph,
  type Node,
  type ValueInfo,
} from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { foldConstantsRules } from '../passes/fold-constants.js';
import { rulePass, type Rule } from '../passes/rewrite.js';
import type { PassContext } from '../passes/types.js';
import {
  assignActivationParams,
  planQuantization,
  type FloatOp,
  type PlanSettings,
  type QuantPlan,
} from './assign.js';
import { elementTypes } from './dtypes.js';
import type { Range } from './observers.js';
import { insertQdq, quantizeAllWeights, type WeightSettings } from './qdq.js';
import { quantRule } from './rules.js';

/**
 * Quantization inside the branches of If nodes. Exporters put whole models there (Silero VAD: the 16 kHz
 * and 8 kHz networks are the two branches of an If on the sample rate), so leaving them float leaves the
 * model float. Each branch is quantized as a graph of its own, through a *view*: the branch with the
 * outer-scope values it reads listed as inputs (typed from the enclosing scope) and the outer-scope
 * constants it reads copied in, so that planning, weight quantization and QDQ insertion see what the
 * branch sees. The view's additions are stripped again afterwards: the written branch reads the outer
 * values by name as before, and holds its int8 weights, scales and zero points as initializers of its
 * own (ONNX allows subgraph initializers), under names unique in the whole model.
 *
 * Loop and Scan bodies stay float (their values change per iteration: one range per tensor would need
 * the iterations observed, which the If exposure below cannot give). A branch that no calibration sample
 * took (Silero's 8 kHz network under 16 kHz audio) stays float too: it has no ranges.
 */

const BRANCHES = ['then_branch', 'else_branch'] as const;

const isIf = (n: Node) => n.opType === 'If' && n.domain === '';

/** Every value name in the model, all scopes: new names made while quantizing avoid all of them. */
export function allNamesDeep(g: Graph, into = new Set<string>()): Set<string> {
  for (const v of [...g.inputs, ...g.outputs]) into.add(v.name);
  for (const k of g.initializers.keys()) into.add(k);
  for (const k of g.valueInfo.keys()) into.add(k);
  for (const n of g.nodes) {
    for (const v of [...n.inputs, ...n.outputs]) if (v) into.add(v);
    for (const sg of subgraphsOf(n)) allNamesDeep(sg, into);
  }
  return into;
}

interface View {
  graph: Graph;
  /** Outer-scope names the view lists as inputs (and, for constants, holds as initializers). */
  added: Map<string, Tensor | undefined>;
}

/** The branch as a graph of its own: outer values it reads become typed inputs, outer constants copies. */
function viewOf(
  branch: Graph,
  outerTypes: Map<string, DType>,
  outerConstants: Map<string, Tensor>,
  pass: PassContext,
): View {
  const copy = constantsAsInitializers(branch).clone();
  const added = new Map<string, Tensor | undefined>();
  const inputs: ValueInfo[] = [];
  for (const name of outerReads(branch)) {
    const t = outerConstants.get(name);
    if (t) copy.initializers.set(name, t);
    const dtype = t?.dtype ?? outerTypes.get(name);
    inputs.push(dtype ? { name, type: { kind: 'tensor', dtype } } : { name });
    added.set(name, t);
  }
  // A float16 weight's Cast to float32 (as exporters write half-precision models) folds first, so that
  // the op reading it sees a weight it can quantize. Outer
  // values become inputs only after: an initializer listed as an input is no constant to the folder.
  // As inputs they keep QDQ insertion from taking an outer constant's name for a DequantizeLinear output
  // (which would redefine the outer name inside the branch).
  const graph = foldWeightCasts(copy, pass).graph;
  graph.inputs.push(...inputs);
  return { graph, added };
}

/** The view back as a branch: the added inputs and the outer constants' copies removed. */
function unview(g: Graph, added: Map<string, Tensor | undefined>): Graph {
  const out = g.clone();
  out.inputs = out.inputs.filter((v) => !added.has(v.name));
  for (const [name, t] of added) if (t && out.initializers.get(name) === t) out.initializers.delete(name);
  return out;
}

/** Calls `f` on each If branch of `g`, with the branch's view; returns `g` with the branches `f` gave. */
function mapBranches(
  g: Graph,
  f: (view: View, where: string) => Graph | undefined,
  pass: PassContext,
  outerConstants: Map<string, Tensor> = new Map(),
): Graph {
  if (!g.nodes.some(isIf)) return g;
  const types = elementTypes(g);
  const constants = new Map([...outerConstants, ...g.initializers]);
  const out = g.clone();
  for (const node of out.nodes) {
    if (!isIf(node)) continue;
    const attrs: Record<string, Attribute> = { ...node.attrs };
    for (const key of BRANCHES) {
      const a = node.attrs[key];
      if (a?.kind !== 'graph') continue;
      const view = viewOf(a.value, types, constants, pass);
      const inner = mapBranches(view.graph, f, pass, constants);
      const done = f({ graph: inner, added: view.added }, `${node.name || node.outputs[0]} ${key}`);
      attrs[key] = { ...a, value: unview(done ?? inner, view.added) };
    }
    node.attrs = attrs;
  }
  return out;
}

/** The activations the quantized nodes of every If branch need ranges for (views' names). */
export function branchCalibrationTensors(g: Graph, settings: PlanSettings, pass: PassContext): string[] {
  const wanted = new Set<string>();
  mapBranches(
    g,
    ({ graph }) => {
      const plan = planQuantization(graph, elementTypes(graph), settings);
      for (const name of plan.calibrate) wanted.add(name);
      return undefined;
    },
    pass,
  );
  // Values of the enclosing scopes are calibrated where they are made.
  return [...wanted];
}

export interface BranchSettings {
  plan: PlanSettings;
  weights: WeightSettings;
  ranges: Map<string, Range>;
  /** Every name in the model; names made here are added. */
  names: Set<string>;
  pass: PassContext;
}

/**
 * The model's If branches quantized (innermost first), each as described above; `float` gathers what
 * stays float and why. The top graph's own nodes are left to the caller.
 */
export function quantizeBranches(g: Graph, s: BranchSettings, float: FloatOp[]): Graph {
  return mapBranches(
    g,
    ({ graph }, where) => {
      const plan = planQuantization(graph, elementTypes(graph), s.plan);
      const observed = plan.calibrate.some((n) => {
        const r = s.ranges.get(n);
        return r !== undefined && (r.min !== 0 || r.max !== 0);
      });
      if (plan.quantized.size === 0) return undefined;
      if (!observed) {
        float.push({ node: where, op: 'If', why: 'branch not taken by any calibration sample' });
        return undefined;
      }
      withoutMoveIslands(graph, plan);
      for (const f of plan.float) float.push({ ...f, node: `${where}/${f.node}` });
      const acts = assignActivationParams(graph, plan, s.ranges, s.plan);
      // The model inputs' parameters are seeded for every scope; a branch quantizes only what it reads.
      const read = readNames(graph);
      for (const name of [...acts.keys()]) if (!read.has(name)) acts.delete(name);
      const weights = quantizeAllWeights(graph, plan, s.weights);
      return insertQdq(graph, plan, acts, weights, s.weights, s.names);
    },
    s.pass,
  );
}

/**
 * Data-movement ops (Squeeze, Unsqueeze, Concat, Slice, ...) with no int8 neighbour stay float: quantizing
 * them only adds rounding. A branch is where they pile up: Silero's decoder branch passes the float LSTM's
 * states through Squeeze/Unsqueeze/Concat to its outputs, and quantizing those moves rounded its
 * recurrent state to int8 on every window (silero_vad.onnx, pow2: stateN 1.6 -> 5.6 dB against float;
 * affine: output 9.1 -> 28.0 dB, stateN 6.7 -> 10.5 dB, now equal to the op15 export of the same network).
 */
const foldConstant = foldConstantsRules.find((r) => r.name === 'fold-constant')!;

/**
 * Only Casts of constants that feed weighted ops (Conv, Gemm, MatMul) fold in a branch: folding anything
 * else would copy outer weights into each branch (Silero's LSTM weight slices: 1.5 -> 4.6 MB).
 */
const foldWeightCasts = rulePass([
  {
    name: 'fold-weight-cast',
    roots: ['Cast'],
    match(node, cx) {
      const readers = node.outputs[0] ? cx.consumers(node.outputs[0]) : [];
      if (readers.length === 0 || !readers.every((r) => quantRule(r.opType)?.weight)) return undefined;
      return foldConstant.match(node, cx);
    },
  } satisfies Rule,
]);

function withoutMoveIslands(g: Graph, plan: QuantPlan): void {
  const moves = (n: Node) => getOp(n.opType, n.domain)?.movesData === true;
  const producer = new Map<string, Node>();
  const readers = new Map<string, Node[]>();
  for (const n of g.nodes) {
    for (const o of n.outputs) if (o) producer.set(o, n);
    for (const i of n.inputs) if (i) readers.set(i, [...(readers.get(i) ?? []), n]);
  }
  for (let changed = true; changed;) {
    changed = false;
    for (const n of [...plan.quantized]) {
      if (!moves(n)) continue;
      const neighbours = [
        ...n.inputs.map((i) => producer.get(i)),
        ...n.outputs.flatMap((o) => readers.get(o) ?? []),
      ];
      if (neighbours.some((m) => m && plan.quantized.has(m))) continue;
      plan.quantized.delete(n);
      plan.float.push({ node: n.name || n.outputs[0]!, op: n.opType, why: 'moves data between float ops' });
      changed = true;
    }
  }
}

/**
 * A copy of the model's graph in which every If also returns the branch values named in `wanted` (as
 * float32), so that calibration can observe them as outputs: the branch that holds a value returns it,
 * the other an empty tensor (nothing observed on samples that took it). Returns the copy and, per new
 * top-level output, the branch value it carries.
 */
export function exposeBranchValues(
  g: Graph,
  wanted: Set<string>,
): { graph: Graph; alias: Map<string, string> } {
  const names = allNamesDeep(g);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; names.has(name); i++) name = `${base}_${i}`;
    names.add(name);
    return name;
  };
  const { graph, supplied } = exposeIn(g, wanted, fresh, true);
  return { graph, alias: new Map([...supplied].map(([inner, outer]) => [outer, inner])) };
}

function exposeIn(
  g: Graph,
  wanted: Set<string>,
  fresh: (base: string) => string,
  top: boolean,
): { graph: Graph; supplied: Map<string, string> } {
  const out = g.clone();
  const supplied = new Map<string, string>();
  if (!top) for (const n of g.nodes) for (const o of n.outputs) if (o && wanted.has(o)) supplied.set(o, o);
  for (const node of out.nodes) {
    if (!isIf(node)) continue;
    const parts = BRANCHES.map((key) => {
      const a = node.attrs[key];
      return a?.kind === 'graph' ? exposeIn(a.value, wanted, fresh, false) : undefined;
    });
    if (parts.some((p) => !p)) continue;
    const values = [...new Set(parts.flatMap((p) => [...p!.supplied.keys()]))];
    if (values.length === 0) continue;
    const attrs: Record<string, Attribute> = { ...node.attrs };
    BRANCHES.forEach((key, i) => {
      const branch = parts[i]!.graph;
      for (const v of values) returnAsFloat(branch, parts[i]!.supplied.get(v), fresh(`${v}_calib`));
      attrs[key] = { kind: 'graph', value: branch };
    });
    node.attrs = attrs;
    node.outputs = [...node.outputs];
    for (const v of values) {
      const o = fresh(`${v}_calib`);
      node.outputs.push(o);
      supplied.set(v, o);
    }
  }
  return { graph: out, supplied };
}

/** Adds a float32 branch output: Cast(value), or an empty tensor where the branch has no such value. */
function returnAsFloat(branch: Graph, value: string | undefined, name: string): void {
  branch.nodes.push(
    value
      ? { name: '', opType: 'Cast', domain: '', inputs: [value], outputs: [name], attrs: { to: int(1) } }
      : {
          name: '',
          opType: 'Constant',
          domain: '',
          inputs: [],
          outputs: [name],
          attrs: { value: { kind: 'tensor', value: Tensor.float32([0], []) } },
        },
  );
  branch.outputs.push({ name, type: { kind: 'tensor', dtype: 'float32' } });
}

/**
 * Weights held in Constant nodes (PaddleOCR's export does this) become initializers, so that they are
 * quantized as weights even when the optimizer (which does the same among other things) is off.
 */
export function constantsAsInitializers(g: Graph): Graph {
  if (!g.nodes.some((n) => n.opType === 'Constant' && n.domain === '')) return g;
  const out = g.clone();
  // A Constant that is itself a graph output stays a node (an If branch returning a constant).
  const outputs = new Set(g.outputs.map((v) => v.name));
  out.nodes = out.nodes.filter((n) => {
    const value =
      n.opType === 'Constant' && n.domain === '' && n.outputs[0] && !outputs.has(n.outputs[0])
        ? constantNodeValue(n)
        : undefined;
    if (value) out.initializers.set(n.outputs[0]!, value);
    return !value;
  });
  return out;
}
