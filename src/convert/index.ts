import type { Model } from '../ir/graph.js';
import { cleanup } from './cleanup.js';
import { refuseControlFlow } from './control-flow.js';
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
  refuseControlFlow(model.graph);
  const { graph, opset } = prepare(model, opts);
  const types = staticTypes(inferQdqTypes(graph, opset));
  requireStaticShapes(graph, types, loweredOps());
  const folded = foldQdq(graph, types, opts);
  const fused = fuseActivations(folded);
  const placed = assignLayout(fused, opts);
  const lowered = lower(placed, opts.keepFloat);
  const spec = enforceInt8Spec(lowered.graph);
  const clean = cleanup(spec.graph);
  const stats = { ...placed.stats, 'spec-requantize': spec.requantized, 'no-ops-removed': clean.removed };
  const io = [...placed.graph.runtimeInputs(), ...placed.graph.outputs].map((v) => v.name);
  const nhwc = io.filter((v) => !isIdentity(placed.perm.get(v) ?? []));
  return { model: tfliteModel(clean.graph, model), report: { stats, floatOps: lowered.floatOps, nhwc } };
}

/** The converter's entry point: the TFLite-domain model only. */
export function convertToTflite(model: Model, options: Partial<ConvertOptions> = {}): Model {
  return convertModel(model, options).model;
}
