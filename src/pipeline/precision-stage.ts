import { ortCandidate, ortReference, type Candidate, type Reference } from '../eval/evaluate.js';
import { tfliteCandidate, tfliteReference } from '../eval/evaluate-tflite.js';
import { exportTflite } from '../formats/tflite/export.js';
import { indexGraph, type Model, type Node } from '../ir/graph.js';
import { calibrationMemo } from '../quant/calibration-memo.js';
import type { FloatOp } from '../quant/assign.js';
import type { calibrateStats } from '../quant/calibrate.js';
import { hasInt16 } from '../quant/int16.js';
import { quantRuleOf } from '../quant/rules.js';
import { createModelSession } from '../runtime/ort-model.js';
import { DEQUANTIZE } from '../tflite/ops/DEQUANTIZE.js';
import { QUANTIZE } from '../tflite/ops/QUANTIZE.js';
import type { DataPlan } from './data.js';
import type { QuantizingRun, RunSettings } from './settings.js';
import { searchPrecision, type SearchOutcome } from './mixed-precision.js';
import { onnxGraph } from './outputs.js';
import { switchedModel } from './precision-switch.js';
import type { PrecisionTarget } from './precision-target.js';

/** What the pipeline's quantize stage returns, as far as the search needs it. */
export interface Quantizable {
  model: Model;
  float: FloatOp[];
  /** The float model the QDQ graph was made from (an ONNX input's): the switched model's constants. */
  floatReference?: Model;
}

export interface CalibrationHooks {
  calibrate?: typeof calibrateStats;
}

/** --max_drop / --min_sqnr as a target, or undefined when neither was given (then nothing changes). */
export function precisionTargetOf(o: RunSettings): PrecisionTarget | undefined {
  if (o.maxDrop === undefined && o.minSqnr === undefined) return undefined;
  return { maxDrop: o.maxDrop, minSqnr: o.minSqnr };
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
  o: QuantizingRun,
  data: DataPlan,
  target: PrecisionTarget,
  quantize: (exclude: string[], calibration: CalibrationHooks, int16?: string[]) => Promise<Q>,
  run: { onProgress?: (e: { stage: string; done?: number; total?: number }) => void; signal?: AbortSignal },
): Promise<SearchOutcome<Q>> {
  const hooks: CalibrationHooks = {
    calibrate: calibrationMemo(),
  };
  const tflite = model.format === 'tflite';
  const reference: Reference = tflite ? await tfliteReference(model) : await ortReference(model);
  // The first model asked for is the plain one; the others keep their movers with them (withMovers).
  let base: Q | undefined;
  const variant = async (exclude: string[]) =>
    base ? quantize(withMovers(base, exclude), hooks) : (base = await quantize(exclude, hooks));
  const split = (exclude: string[], int16: string[]) => moversSplit(base!, exclude, int16);
  const unavailable = int16Unavailable(o, tflite);
  try {
    const outcome = await searchPrecision<Q>({
      target,
      baseExclude: o.exclude,
      evaluation: data.evaluation,
      labels: data.labels,
      reference,
      quantize: variant,
      candidate: (q) => (tflite ? tfliteFile(q.model, o) : onnxFile(q.model, o)),
      ops: (q) => keepableOps(q),
      switched: tflite ? undefined : (q) => switched(q),
      int16: unavailable
        ? undefined
        : {
            capable: (node) => int16Capable(base!, node),
            quantize: (exclude, int16) => {
              const m = split(exclude, int16);
              return quantize(m.exclude, hooks, m.int16);
            },
          },
      int16Unavailable: unavailable,
      signal: run.signal,
      onProgress: (stage, done, total) => run.onProgress?.({ stage, done, total }),
    });
    if (outcome.report.kept.length) {
      const m = moversSplit(outcome.base, outcome.exclude, outcome.int16);
      outcome.report.movers =
        m.exclude.length + m.int16.length - outcome.exclude.length - outcome.int16.length;
      outcome.exclude = m.exclude;
      outcome.int16 = m.int16;
    }
    return outcome;
  } finally {
    await reference.close();
  }
}

/**
 * The plain model with a switch on every quantized op (movers too): an exclude list switches its ops
 * and the movers between them (withMovers) to float, as the file written for it would have them.
 */
async function switched(q: Quantizable) {
  const nodes = quantizedOps(q).map((o) => o.node.name);
  const m = await switchedModel(q.model, (q.floatReference ?? q.model).graph, nodes);
  return { candidate: (exclude: string[]) => m.candidate(withMovers(q, exclude)), close: () => m.close() };
}

async function onnxFile(m: Model, o: QuantizingRun): Promise<Candidate> {
  const graph = onnxGraph(m, o);
  return ortCandidate(await createModelSession({ ...m, graph }, { graphOptimizationLevel: 'basic' }));
}

function tfliteFile(m: Model, o: QuantizingRun): Promise<Candidate> {
  return tfliteCandidate(exportTflite(m), o.tfliteLayout);
}

/**
 * The quantized nodes a search may keep in float: named (--exclude takes names), not already float, and
 * doing arithmetic of their own. Ops that only move or select values (Reshape, Transpose, MaxPool) keep
 * their input's grid and lose nothing in int8 themselves; they follow their neighbours (withMovers).
 */
export function keepableOps(q: Quantizable): { node: string; op: string }[] {
  return quantizedOps(q).flatMap(({ node, moves }) => (moves ? [] : [{ node: node.name, op: node.opType }]));
}

function quantizedOps(q: Quantizable): { node: Node; moves: boolean }[] {
  const float = new Set(q.float.map((f) => f.node));
  return q.model.graph.nodes.flatMap((n) => {
    if (!n.name || float.has(n.name)) return [];
    const rule = quantRuleOf(n);
    if (!rule) return [];
    const moves = (rule.output === 'same-as-input' || rule.output === 'same-all') && !rule.weight;
    return [{ node: n, moves }];
  });
}

/**
 * `exclude` and the quantized ops that only move values between float neighbours: a Reshape between two
 * ops kept in float would otherwise keep a QuantizeLinear/DequantizeLinear pair (a rounding) between
 * them. Found as the largest set of such movers whose producers and readers are all float or in the set.
 */
export function withMovers(q: Quantizable, exclude: string[]): string[] {
  const g = q.model.graph;
  const quantized = new Map(quantizedOps(q).map((o) => [o.node.name, o]));
  const kept = new Set(exclude);
  const isFloat = (n: Node | undefined) =>
    !n || !quantized.has(n.name) || kept.has(n.name) || kept.has(n.opType);
  const index = indexGraph(g);
  // Through the QDQ pairs of the quantized graph: the op that computes a value, and those that read it.
  const producer = (value: string): Node | undefined => {
    const p = index.producer.get(value);
    return p && isQdq(p) ? producer(p.inputs[0]!) : p;
  };
  const readers = (value: string): Node[] =>
    (index.consumers.get(value) ?? []).flatMap((c) => (isQdq(c) ? readers(c.outputs[0]!) : [c]));
  let movers = new Set(
    [...quantized.values()].filter((o) => o.moves && !kept.has(o.node.name)).map((o) => o.node),
  );
  for (let changed = true; changed;) {
    changed = false;
    for (const m of movers) {
      const near = [...m.inputs.filter(Boolean).map(producer), ...m.outputs.flatMap(readers)];
      if (near.every((n) => isFloat(n) || (n !== undefined && movers.has(n)))) continue;
      movers = new Set([...movers].filter((x) => x !== m));
      changed = true;
    }
  }
  return [...exclude, ...[...movers].map((m) => m.name)];
}

/**
 * Why kept ops cannot have int16 activations in this run (then they are float), or undefined when they
 * can: the affine scheme's ONNX inputs, written as QDQ.
 */
function int16Unavailable(o: QuantizingRun, tflite: boolean): string | undefined {
  if (o.scheme !== 'affine') return 'float: the pow2 target has no int16 activations';
  if (tflite) return 'float: int16 activations are written for ONNX inputs only';
  if (o.onnxFormat === 'qoperator') return 'float: the QOperator .onnx has no int16 form';
  return undefined;
}

function int16Capable(q: Quantizable, node: string): boolean {
  const n = q.model.graph.nodes.find((m) => m.name === node);
  return !!n && hasInt16(n);
}

/**
 * The movers between kept ops (withMovers) go with them: int16 where they have 16x8 kernels and the
 * search keeps ops in int16 (a Reshape between two int16 convs keeps their grid), else float.
 */
function moversSplit(
  q: Quantizable,
  exclude: string[],
  int16: string[],
): { exclude: string[]; int16: string[] } {
  const all = withMovers(q, [...exclude, ...int16]);
  const movers = all.slice(exclude.length + int16.length);
  const wide = int16.length ? movers.filter((m) => int16Capable(q, m)) : [];
  return { exclude: [...exclude, ...movers.filter((m) => !wide.includes(m))], int16: [...int16, ...wide] };
}

/** A quantize or dequantize node: ONNX QDQ, or a TFLite graph's QUANTIZE / DEQUANTIZE builtins. */
function isQdq(n: Node): boolean {
  if (n.domain === 'tflite') return n.opType === QUANTIZE.name || n.opType === DEQUANTIZE.name;
  return n.domain === '' && (n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear');
}

/** The float list with the ops the search kept (not the user's --exclude) saying so. */
export function keptBecause(
  float: FloatOp[],
  userExclude: readonly string[],
  searched: readonly string[],
): FloatOp[] {
  const kept = new Set(searched.filter((n) => !userExclude.includes(n)));
  return float.map((f) =>
    kept.has(f.node) ? { ...f, why: 'kept in float by mixed precision (--max_drop/--min_sqnr)' } : f,
  );
}
