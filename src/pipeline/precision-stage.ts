import { ortCandidate, ortReference, type Candidate, type Reference } from '../eval/evaluate.js';
import { tfliteCandidate, tfliteReference } from '../eval/evaluate-tflite.js';
import { exportOnnx } from '../formats/onnx/export.js';
import { exportTflite } from '../formats/tflite/export.js';
import type { Model } from '../ir/graph.js';
import type { QuantizeOptions } from '../options.js';
import { calibrationMemo, rangesMemo } from '../quant/calibration-memo.js';
import type { FloatOp } from '../quant/assign.js';
import type { calibrateStats } from '../quant/calibrate.js';
import { quantRule } from '../quant/rules.js';
import { calibrateTflite } from '../quant/tflite/calibrate.js';
import { ruleOf } from '../quant/tflite/rules.js';
import { createOrtSession } from '../runtime/ort.js';
import type { DataPlan } from './data.js';
import { searchPrecision, type SearchOutcome } from './mixed-precision.js';
import { onnxGraph } from './outputs.js';
import type { PrecisionTarget } from './precision-target.js';

/** What the pipeline's quantize stage returns, as far as the search needs it. */
export interface Quantizable {
  model: Model;
  float: FloatOp[];
}

export interface CalibrationHooks {
  calibrate?: typeof calibrateStats;
  calibrateRanges?: typeof calibrateTflite;
}

/** --max_drop / --min_sqnr as a target, or undefined when neither was given (then nothing changes). */
export function precisionTargetOf(o: QuantizeOptions): PrecisionTarget | undefined {
  if (o.max_drop === undefined && o.min_sqnr === undefined) return undefined;
  return { maxDrop: o.max_drop, minSqnr: o.min_sqnr };
}

/**
 * The mixed-precision stage: the search of mixed-precision.ts on this run's model, with its quantize
 * stage (calibrated once, see calibration-memo.ts) and each variant run as its written file runs: an
 * ONNX input's .onnx in ONNX Runtime (unfused, as the report's .onnx row), a TFLite input's .tflite in
 * LiteRT. The .tflite converted from an ONNX input is not searched on (its own figures are in the
 * report, and ORT's unfused QDQ computes what int8 kernels do).
 */
export async function mixedPrecisionStage<Q extends Quantizable>(
  model: Model,
  o: QuantizeOptions,
  data: DataPlan,
  target: PrecisionTarget,
  quantize: (exclude: string[], calibration: CalibrationHooks) => Promise<Q>,
  progress: { onProgress?: (stage: string, done?: number, total?: number) => void; signal?: AbortSignal },
): Promise<SearchOutcome<Q>> {
  const hooks: CalibrationHooks = {
    calibrate: calibrationMemo(),
    calibrateRanges: rangesMemo(calibrateTflite),
  };
  const tflite = model.format === 'tflite';
  const reference: Reference = tflite ? await tfliteReference(model) : await ortReference(model);
  try {
    return await searchPrecision<Q>({
      target,
      baseExclude: o.exclude,
      evaluation: data.evaluation,
      labels: data.labels,
      reference,
      quantize: (exclude) => quantize(exclude, hooks),
      candidate: (q) => (tflite ? tfliteFile(q.model, o) : onnxFile(q.model, o)),
      ops: (q) => keepableOps(q),
      ...progress,
    });
  } finally {
    await reference.close();
  }
}

async function onnxFile(m: Model, o: QuantizeOptions): Promise<Candidate> {
  const bytes = exportOnnx({ ...m, graph: onnxGraph(m, o) }).bytes;
  return ortCandidate(await createOrtSession(bytes, { graphOptimizationLevel: 'basic' }));
}

function tfliteFile(m: Model, o: QuantizeOptions): Promise<Candidate> {
  return tfliteCandidate(exportTflite(m), o.tflite_layout);
}

/**
 * The quantized nodes a search may keep in float: named (--exclude takes names), not already float, and
 * doing arithmetic of their own. Ops that only move or select values (Reshape, Transpose, MaxPool) keep
 * their input's grid and lose nothing in int8; measuring each would cost a session and gain nothing.
 */
export function keepableOps(q: Quantizable): { node: string; op: string }[] {
  const float = new Set(q.float.map((f) => f.node));
  return q.model.graph.nodes.flatMap((n) => {
    if (!n.name || float.has(n.name)) return [];
    const rule = n.domain === 'tflite' ? ruleOf(n) : n.domain ? undefined : quantRule(n.opType);
    const moves = rule?.output === 'same-as-input' || rule?.output === 'same-all';
    if (!rule || (moves && !rule.weight)) return [];
    return [{ node: n.name, op: n.opType }];
  });
}
