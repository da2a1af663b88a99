import type { Graph, Model } from '../ir/graph.js';
import { cleanup } from './cleanup.js';
import { lowerIfsToSubgraphs } from './control-flow.js';
import type { KeptSubgraph } from '../formats/tflite/ir-extras.js';
import { tfliteModel } from './finish.js';
import { foldQdq } from './fold-qdq.js';
import { fuseActivations } from './fuse-activations.js';
import { assignLayout } from './layout.js';
import { lower } from './lower.js';
import { prepare } from './prepare.js';
import { loweredOps } from '../ops/index.js';
import { inferQdqTypes, requireStaticShapes, staticTypes } from './shapes.js';
import { enforceInt8Spec } from './spec.js';
import type { ConvertOptions } from './types.js';
import { isIdentity } from './layout-math.js';

export type { ConvertOptions } from './types.js';
export { loweredOps as supportedOps } from '../ops/index.js';

export interface ConvertReport {
  /** What each stage matched and rewrote, by rule. */
  stats: Record<string, number>;
  /** ONNX nodes the QDQ graph quantizes around that run float in TFLite (no int8 kernel). */
  floatOps: string[];
  /**
   * Graph inputs and outputs the file stores transposed from the ONNX order (--tflite_layout nhwc: 4-D
   * NCHW values as NHWC). An input the ONNX graph itself has NHWC is not among them.
   */
  nhwc: string[];
  /** What the .tflite does differently from the .onnx, for the user to know (an If branch left out). */
  notes: string[];
}

/**
 * ONNX (float, or QDQ from `quantizeFloatModel`) -> a TFLite-domain model for `exportTflite`. A QDQ
 * graph gives an int8 TFLite with the QDQ graph's own parameters; a float graph a float TFLite. Stages,
 * each a pure function of what the one before gives:
 */
export function convertModel(
  model: Model,
  options: Partial<ConvertOptions> = {},
): { model: Model; report: ConvertReport } {
  const opts: ConvertOptions = { layout: 'nchw', ioType: 'float', ...options };
  const subgraphs: KeptSubgraph[] = [];
  const { graph, report } = convertGraph(model, opts, subgraphs);
  return { model: tfliteModel(graph, model, subgraphs), report };
}

/**
 * One graph through the stages; the branches of its runtime Ifs go through them too, as models of their
 * own (float I/O in ONNX order), each appended to `subgraphs` (control-flow.ts). Their reports add up.
 */
function convertGraph(
  model: Model,
  opts: ConvertOptions,
  subgraphs: KeptSubgraph[],
): { graph: Graph; report: ConvertReport } {
  const prepared = prepare(model, opts);
  const opset = prepared.opset;
  let graph = prepared.graph;
  const branchReports: ConvertReport[] = [];
  const branchOpts: ConvertOptions = { layout: 'nchw', ioType: 'float' };
  const notes: string[] = [];
  const convertBranch = (branch: Model) => convertGraph(branch, branchOpts, subgraphs);
  for (let lowered = false; !lowered;) {
    const r = lowerIfsToSubgraphs(graph, opset, model, subgraphs, convertBranch, notes);
    branchReports.push(...r.reports);
    lowered = !r.inlined;
    graph = r.inlined ? prepare({ ...model, graph: r.graph }, opts).graph : r.graph;
  }
  const types = staticTypes(inferQdqTypes(graph, opset));
  requireStaticShapes(graph, types, loweredOps());
  const folded = foldQdq(graph, types, opts);
  const fused = fuseActivations(folded);
  const placed = assignLayout(fused, opts);
  const lowered = lower(placed, opts.keepFloat);
  const spec = enforceInt8Spec(lowered.graph);
  const clean = cleanup(spec.graph);
  const stats: Record<string, number> = {
    ...placed.stats,
    'spec-requantize': spec.requantized,
    'no-ops-removed': clean.removed,
  };
  const io = [...placed.graph.runtimeInputs(), ...placed.graph.outputs].map((v) => v.name);
  const nhwc = io.filter((v) => !isIdentity(placed.perm.get(v) ?? []));
  const floatOps = [...lowered.floatOps];
  for (const r of branchReports) {
    for (const [k, v] of Object.entries(r.stats)) stats[k] = (stats[k] ?? 0) + v;
    floatOps.push(...r.floatOps);
    notes.push(...r.notes);
  }
  return { graph: clean.graph, report: { stats, floatOps, nhwc, notes } };
}

/** The converter's entry point: the TFLite-domain model only. */
export function convertToTflite(model: Model, options: Partial<ConvertOptions> = {}): Model {
  return convertModel(model, options).model;
}
