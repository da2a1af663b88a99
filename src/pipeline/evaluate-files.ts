/**
 * The pipeline's evaluate stage: each written file run in its own runtime against the float model, the
 * device row (pow2: the integer executor), per-layer errors, and the warnings they call for; and the
 * judge a pow2 --rounding floor run uses to choose its biases.
 */
import { UnsupportedOpError } from '../errors.js';
import {
  compareOutputs,
  layerErrors,
  layersSettled,
  nativeCandidate,
  nativeKernelsExact,
  ortCandidate,
  ortCandidates,
  ortReference,
  probedLayers,
  toNhwc,
  type Candidate,
  type Comparison,
  type Evaluation,
  type Reference,
} from '../eval/evaluate.js';
import { tfliteCandidate, tfliteReference, type TfliteTarget } from '../eval/evaluate-tflite.js';
import { comparePasses, type Pass } from '../eval/passes.js';
import { pairedRun, type PairedRun } from '../eval/paired.js';
import { readOnnxFile } from '../formats/onnx/import.js';
import { exportOnnx, weightBytes } from '../formats/onnx/export.js';
import type { Model } from '../ir/graph.js';
import type { OutputMetrics } from '../eval/metrics.js';
import { firstSamples, keepFirst, type DataPlan } from './data.js';
import type { FloorJudge, Produced } from './outputs.js';
import { floatReference } from './floor-reference.js';
import type { QuantizingRun } from './settings.js';
import type { QuantResult } from '../quant/quantize.js';
import type { QParams } from '../quant/params.js';
import { KernelError } from '../runtime/integer/kernels/common/params.js';
import type { Report } from '../report/types.js';
import type { RunHooks } from './quantize-model.js';
import { SESSION_FILE_BYTES } from '../runtime/ort-model.js';
import { createOrtSession } from '../runtime/ort.js';
import { AHEAD_BYTES, type RemoteCandidate, type TfliteWorkers } from '../eval/remote-tflite.js';
import { collectGarbage } from '../util/gc.js';
import { stopwatch } from '../util/timing.js';

export type Quantized = Pick<QuantResult, 'model' | 'float' | 'inputScales' | 'activations'> &
  Partial<Pick<QuantResult, 'floatReference' | 'equalization' | 'biasCorrection' | 'int16'>>;

/**
 * Each written file against the float model, in its own runtime: the float model runs once per evaluation
 * sample (its outputs replayed to the runtimes that come after, one at a time: see comparePasses); per-layer
 * errors from the QDQ graph. `release` drops the float IR's weights, called once a session holds them.
 */
export async function evaluate(
  model: Model,
  quant: Quantized,
  produced: Produced,
  data: DataPlan,
  o: QuantizingRun,
  hooks: RunHooks,
  release?: () => void,
  workers?: TfliteWorkers,
): Promise<(Partial<Evaluation> & { device?: Report['device'] }) | undefined> {
  const onnx = model.format === 'onnx' ? produced.files.find((f) => f.format === 'onnx') : undefined;
  const tflite = produced.files.find((f) => f.format === 'tflite');
  const tfliteBytes = tflite ? produced.tflite : undefined;
  if (!onnx && !tfliteBytes) return undefined;
  // Per-layer errors compare with the float graph the quantizer worked on (equalization rescales
  // channels between paired convs, so the original's tensors are not their twins); the outputs are the
  // same as the input model's.
  const floatModel = quant.floatReference ?? model;
  let paired: PairedRun | undefined;
  let reference: Reference | undefined;
  let samples: DataPlan['evaluation'];
  const passes: Pass[] = [];
  let comparison: Comparison;
  // The .tflite on worker threads beside ONNX Runtime (remote-tflite.ts); not for a file so large that
  // its copy in a worker and LiteRT's heap beside the ONNX Runtime session would cost much memory.
  const remote = tfliteBytes && tfliteBytes.byteLength <= SESSION_FILE_BYTES ? workers : undefined;
  try {
    const lap = stopwatch('evaluate');
    // Given to the workers first: they open the .tflite while this thread opens the paired session.
    const tflitePassList = tfliteBytes ? tflitePasses(tfliteBytes, produced, o, remote) : [];
    // And the first samples, read now: the workers run them while this thread opens the paired session
    // (ONNX Runtime's session creation, one thread: PP-OCRv4 det at 640x640, 0.5-0.8 s wall).
    const source = remote ? remote.prefetching(data.evaluation, EARLY_SAMPLES) : data.evaluation;
    samples = source;
    paired =
      onnx && model.format === 'onnx'
        ? await pairedFile(floatModel, onnx.path, data.inputShapes, release)
        : undefined;
    lap(paired ? 'paired session: open' : 'no paired session');
    if (paired) {
      const { onnx: file } = paired;
      reference = paired.reference;
      passes.push(async () => {
        const native = await nativeCandidate(onnx!.path);
        const both: Record<string, Candidate> = { onnx: file };
        if (native) both.native = native;
        return both;
      });
    } else {
      // Without a paired session, the per-layer pass reads the first samples again (one more than it uses).
      samples = keepFirst(source, LAYER_SAMPLES + 1);
      reference = model.format === 'tflite' ? await tfliteReference(model) : await ortReference(floatModel);
      if (onnx) passes.push(() => ortCandidates(onnx.path));
    }
    passes.push(...tflitePassList);
    comparison = await comparePasses(reference, passes, samples, {
      labels: data.labels,
      signal: hooks.signal,
      onSample: (done, total) => hooks.onProgress?.({ stage: 'evaluate', done, total }),
      // Files for truncating hardware are scored where they ship: the device's arithmetic.
      labelled: o.scheme === 'pow2' && o.rounding === 'floor' ? 'device' : 'onnx',
      firstSamples: o.scheme === 'pow2' && o.rounding === 'nearest' ? TRUNCATING_SAMPLES : undefined,
      // Replayed, the float outputs need no session; else the first pass's reference runs again (the
      // paired one too: the float IR has no weights left to open another).
      closeFirst: async (replayed) => {
        if (!replayed) return;
        await paired?.close();
        await reference?.close();
        reference = undefined;
      },
    });
  } finally {
    await reference?.close();
    await paired?.close();
  }
  const { metrics, accuracy } = comparison;
  const truncation = truncationWarning(comparison.first?.device, metrics.truncating);
  if (truncation) produced.warnings.push(truncation);
  const flat = flatOutputsWarning(quant.activations, comparison.referenceRms, data.evaluationSource);
  if (flat) produced.warnings.push(flat);
  let evaluation: (Partial<Evaluation> & { device?: Report['device'] }) | undefined;
  if (onnx) {
    const layers = paired
      ? paired.layers()
      : await layerErrors(floatModel, quant.model, samples, LAYER_SAMPLES, hooks.signal);
    evaluation = { metrics: metrics.onnx!, layers, accuracy };
    if (metrics.native) evaluation.nativeKernels = metrics.native;
    onnx.runtime = 'onnxruntime';
    onnx.target = fileTarget('ONNX Runtime', o);
    onnx.metrics = metrics.onnx;
    const saturated = saturationWarning(evaluation as Evaluation);
    if (saturated) produced.warnings.push(saturated);
  }
  if (tflite && tfliteBytes) {
    tflite.runtime = 'litert';
    tflite.target = fileTarget('LiteRT', o);
    tflite.metrics = metrics.litert;
    if (metrics.device) {
      const target =
        `the .tflite in the original hardware's fixed-point arithmetic (integer executor, ${o.biasMode}, ` +
        (o.rounding === 'floor' ? 'truncating shifts)' : 'shifts rounded half up)');
      const device = { runtime: 'integer', rounding: o.rounding, biasMode: o.biasMode, target } as const;
      evaluation = { ...evaluation, device: { ...device, metrics: metrics.device } };
    }
  }
  return evaluation;
}

/**
 * --scheme none: each float file (the optimized .onnx, the converted .tflite) in its own runtime against
 * the model it was made from, on the evaluation samples: a conversion check, whose figures are float
 * rounding (PaddleOCR cls: 120 dB and more) unless the optimizer or the converter changed what the model
 * computes. The files' `metrics` are set in place.
 */
export async function checkConversion(
  model: Model,
  produced: Produced,
  samples: DataPlan['evaluation'],
  o: Pick<QuantizingRun, 'tfliteLayout'>,
  hooks: RunHooks,
): Promise<void> {
  const onnx = produced.files.find((f) => f.format === 'onnx');
  const tflite = produced.files.find((f) => f.format === 'tflite');
  const passes: Pass[] = [];
  if (onnx) passes.push(async () => ({ onnx: ortCandidate(await createOrtSession(onnx.path)) }));
  const bytes = tflite && produced.tflite;
  if (bytes) {
    const layout = produced.nhwc ? new Set(produced.nhwc) : o.tfliteLayout;
    passes.push(async () => ({
      litert: await tfliteCandidate(bytes, layout, { kind: 'litert' }, tflite.path),
    }));
  }
  if (!passes.length) return;
  const reference = model.format === 'tflite' ? await tfliteReference(model) : await ortReference(model);
  try {
    const { metrics } = await comparePasses(reference, passes, samples, {
      signal: hooks.signal,
      onSample: (done, total) => hooks.onProgress?.({ stage: 'evaluate', done, total }),
    });
    if (onnx) Object.assign(onnx, { runtime: 'onnxruntime', metrics: metrics.onnx });
    if (tflite && bytes) Object.assign(tflite, { runtime: 'litert', metrics: metrics.litert });
  } finally {
    await reference.close();
  }
}

/**
 * Drops the weights (initializers other than inputs' defaults) of graphs nothing reads again: a run's float
 * IR once the evaluation's float session holds them. Returns the bytes dropped (shared tensors counted once).
 */
export function dropWeights(models: (Model | undefined)[]): number {
  const dropped = new Set<ArrayBufferView>();
  for (const m of models) {
    if (!m) continue;
    const inputs = new Set(m.graph.inputs.map((v) => v.name));
    for (const name of [...m.graph.initializers.keys()]) {
      const t = m.graph.initializers.get(name)!;
      if (inputs.has(name)) continue;
      if (ArrayBuffer.isView(t.data)) dropped.add(t.data);
      m.graph.initializers.delete(name);
    }
  }
  let bytes = 0;
  for (const d of dropped) bytes += d.byteLength;
  return bytes;
}

/**
 * dropWeights, then, when that was much, a collection (see collectGarbage): called here, after the function
 * that held the tensors returned, so no frame of it keeps them.
 */
export function releaseWeights(models: (Model | undefined)[]): void {
  if (dropWeights(models) > SESSION_FILE_BYTES) collectGarbage();
}

/** The float model and the written .onnx in one session (see pairedRun), when one graph can hold both. */
async function pairedFile(
  floatModel: Model,
  path: string,
  inputShapes: ReadonlyMap<string, readonly number[]>,
  release?: () => void,
): Promise<PairedRun | undefined> {
  const file = readOnnxFile(path);
  const layers = { ...probedLayers(floatModel, file.graph), samples: LAYER_SAMPLES, settled: layersSettled };
  // Past the layer samples, the float model and the file apart at 'all' where that is exact (PairedThen);
  // not for models whose weights go to ORT through a file (the encoded copy would be held to the end).
  const then =
    (await nativeKernelsExact()) && weightBytes(floatModel.graph) <= SESSION_FILE_BYTES
      ? { float: exportOnnx(floatModel).bytes, quantFile: path }
      : undefined;
  return pairedRun(floatModel, file, layers, release, then, inputShapes);
}

/**
 * The .tflite in LiteRT; pow2: also in the device's arithmetic, and as truncating hardware would run it.
 * One pass each, so that LiteRT's heap and each integer executor are not held at the same time. With
 * `workers`, each candidate runs in a worker (remote-tflite.ts) in the lane of that number, modulo the
 * lanes there are (quantize-model.ts' evaluationLanes: LiteRT in lane 0; the device, then the truncating
 * device, in lane 1 once LiteRT's worker is gone: never two integer executors at once; for a small file,
 * the truncating device after LiteRT in lane 0, and lane 1 started beside it).
 */
function tflitePasses(
  bytes: Uint8Array,
  produced: Produced,
  o: QuantizingRun,
  workers?: TfliteWorkers,
): Pass[] {
  const file = produced.files.find((f) => f.format === 'tflite')?.path;
  const layout = produced.nhwc ? new Set(produced.nhwc) : o.tfliteLayout;
  const open = (lane: number, target?: TfliteTarget, samples?: number): RemoteCandidate => {
    if (workers) return workers.candidate(lane, { bytes, layout, target, file, samples });
    const ready = async () => {
      const c = await tfliteCandidate(bytes, layout, target, file);
      return samples === undefined ? c : { ...c, samples };
    };
    return { ready, close: () => undefined };
  };
  const passes: Pass[] = [];
  const litert = open(0);
  passes.push(async () => ({ litert: await litert.ready() }));
  if (o.scheme !== 'pow2') return passes;
  const target = { kind: 'device', rounding: o.rounding, biasMode: o.biasMode } as const;
  const device = open(1, target);
  // Files for rounding targets, also run as truncating hardware would: if that loses, say so.
  // A small file (AHEAD_BYTES of an executor's values: LiteRT's heap and executors beside each other hold
  // little; PP-OCRv4 det at 640x640 is one since the executor's memory cut) runs the
  // truncating device in LiteRT's lane, after LiteRT, beside the device's lane, which then starts at once
  // (remote-tflite.ts): the two integer executors run side by side once ONNX Runtime is done, rather than
  // one after the other on one core (PP-OCRv4 rec pow2, evaluate stage 2.90 s -> 2.66 s wall on 2 cores).
  // How small the file is, LiteRT's candidate says once its worker has opened it (Candidate.valueBytes,
  // from the import that worker does anyway): the main thread no longer imports the .tflite for it at the
  // start of the stage, ahead of the early samples and the paired session (PP-OCRv4 det pow2 640: 0.03-0.10
  // s CPU warm, 0.10-0.15 cold, and rec's 0.07-0.15, on the critical path). Its lane is the same as before
  // (valueBytes of the same graph), so is every figure.
  const floor = { ...target, rounding: 'floor' } as const;
  const truncating =
    o.rounding !== 'nearest'
      ? undefined
      : workers
        ? later(workers, (reserved) =>
            litert
              .ready()
              .then(
                (c) => open((c.valueBytes ?? Infinity) <= AHEAD_BYTES ? 0 : 1, floor, TRUNCATING_SAMPLES),
                // LiteRT's failure is the evaluation's (its pass rethrows it); this one runs where it did.
                () => open(1, floor, TRUNCATING_SAMPLES),
              )
              .finally(reserved),
          )
        : open(1, floor, TRUNCATING_SAMPLES);
  let deviceRuns = true;
  const opened = async (key: string, c: RemoteCandidate) => {
    if (!deviceRuns) return {};
    try {
      return { [key]: await c.ready() };
    } catch (e) {
      // An op the fixed-point device has no kernel for (a float custom op, a resize), or one kept in
      // float (--exclude, mixed precision: the device computes in integers only), costs the report
      // its device figures, not the run its files.
      // A KernelError is the same: no kernel for what this (possibly damaged) model feeds an op.
      if (!(e instanceof UnsupportedOpError || e instanceof KernelError)) throw e;
      deviceRuns = false;
      truncating?.close();
      produced.warnings.push(`no device (integer executor) figures: ${e.message}`);
      return {};
    }
  };
  passes.push(() => opened('device', device));
  if (truncating) passes.push(() => opened('truncating', truncating));
  return passes;
}

/**
 * A candidate given to its lane once `give` resolves (see tflitePasses' truncating device); the workers
 * keep the samples read until then, so that it runs on them too.
 */
function later(
  workers: TfliteWorkers,
  give: (reserved: () => void) => Promise<RemoteCandidate>,
): RemoteCandidate {
  const given = give(workers.reserve());
  let closed = false;
  return {
    ready: () => given.then((c) => c.ready()),
    close: () => {
      if (closed) return;
      closed = true;
      void given.then((c) => c.close());
    },
  };
}

/** Calibration samples a floor judge runs (the device executor is the slow part). */
const JUDGE_SAMPLES = 32;

/**
 * pow2 --rounding floor: candidate .tflite files scored as the device (truncating shifts) against the float
 * model on the calibration samples (never the evaluation ones, which the report's figures come from).
 */
export function floorJudge(floatModel: Model, data: DataPlan, o: QuantizingRun): FloorJudge {
  const target = { kind: 'device', rounding: 'floor', biasMode: o.biasMode } as const;
  return {
    async score(files, nhwc) {
      const reference = await ortReference(floatModel);
      const candidates: Record<string, Candidate> = {};
      try {
        for (const [i, bytes] of files.entries())
          candidates[i] = await tfliteCandidate(bytes, new Set(nhwc), target);
        const { metrics } = await compareOutputs(
          reference,
          candidates,
          firstSamples(data.calibration, JUDGE_SAMPLES),
        );
        return files.map((_, i) => {
          const db = Object.values(metrics[i]!).map((m) => m.sqnrDb);
          return db.reduce((a, v) => a + v, 0) / db.length;
        });
      } finally {
        await reference.close();
        for (const c of Object.values(candidates)) await c.close();
      }
    },
    async *samples(nhwc) {
      const stored = { stored: new Set(nhwc) };
      for await (const feeds of firstSamples(data.calibration, JUDGE_SAMPLES).samples())
        yield toNhwc(feeds, stored);
    },
    reference: floatReference(floatModel, () => firstSamples(data.calibration, JUDGE_SAMPLES).samples()),
  };
}

/**
 * What a file's row measures. pow2 files made for truncating hardware (--rounding floor) carry its
 * rounding offset in their biases, which a runtime that rounds adds on top of its own rounding.
 */
function fileTarget(runtime: string, o: QuantizingRun): string {
  const own = `the file in ${runtime}, which rounds to nearest`;
  return o.scheme === 'pow2' && o.rounding === 'floor'
    ? `${own}; its biases carry the rounding offset truncating hardware needs (--rounding floor), so this row is not the device's figure`
    : own;
}

/**
 * Names the outputs whose float values stay within one int8 step of zero over the evaluation inputs (RMS
 * below the output's step): int8 cannot tell them from 0, so their SQNR and cosine say nothing. PP-OCR det
 * and MediaPipe's selfie segmentation on synthetic noise (no text, no person: a mask of ~0) are such.
 */
function flatOutputsWarning(
  params: ReadonlyMap<string, QParams>,
  rms: Record<string, number>,
  source: string | undefined,
): string | undefined {
  const flat = Object.entries(rms).flatMap(([name, r]) => {
    const scale = params.get(name)?.scale;
    const step = scale?.length === 1 ? scale[0]! : undefined;
    return step !== undefined && r < step
      ? [`${name} (RMS ${r.toPrecision(2)}, step ${step.toPrecision(2)})`]
      : [];
  });
  if (!flat.length) return undefined;
  const inputs = source === 'synthetic' ? 'the synthetic evaluation inputs' : 'the evaluation inputs';
  return (
    `the float model's output stays within one int8 step of 0 on ${inputs}: ${flat.join(', ')}; ` +
    `its SQNR and cosine say nothing there. Evaluate on inputs the model responds to (--eval_data)`
  );
}

/**
 * pow2 files for rounding targets (--rounding nearest) on hardware whose shifts truncate (the original
 * tool's): each shift loses half a step on average and the losses add up. Named when the worst output
 * loses more than 1 dB there, with the flag that writes files for such hardware.
 */
function truncationWarning(
  device: Record<string, OutputMetrics> | undefined,
  truncating: Record<string, OutputMetrics> | undefined,
): string | undefined {
  if (!device || !truncating) return undefined;
  const worst = (m: Record<string, OutputMetrics>) => Math.min(...Object.values(m).map((x) => x.sqnrDb));
  const [rounded, truncated] = [worst(device), worst(truncating)];
  if (!(rounded - truncated > 1)) return undefined;
  return (
    `on hardware whose shifts truncate (the original tool's), these files give ${truncated.toFixed(1)} dB ` +
    `instead of ${rounded.toFixed(1)} dB in the device's rounding (first ${TRUNCATING_SAMPLES} evaluation samples): --rounding floor writes files whose biases ` +
    `carry the rounding such hardware lacks`
  );
}

/**
 * The truncating run (for a warning only) takes the first this many evaluation samples, and is compared
 * with the device row over the same ones: at 640x640 the integer executor costs about 1 s per sample
 * (PP-OCRv4 det), and a 1 dB threshold does not need all of them.
 */
const TRUNCATING_SAMPLES = 4;

/**
 * Evaluation samples handed to the .tflite workers before the paired session opens (see evaluate): a
 * LiteRT page of PP-OCRv4 det at 640x640 takes about as long as that session's creation.
 */
const EARLY_SAMPLES = 2;

/** Per-layer errors use at most this many evaluation samples (fewer once the figures settle). */
export const LAYER_SAMPLES = 4;

/** Names the outputs whose SQNR ORT's fused int8 kernels on this CPU lower by more than 1 dB. */
function saturationWarning(e: Evaluation): string | undefined {
  const worse = Object.entries(e.nativeKernels ?? {}).filter(
    ([name, m]) => (e.metrics[name]?.sqnrDb ?? -Infinity) - m.sqnrDb > 1,
  );
  if (!worse.length) return undefined;
  const figures = worse
    .map(
      ([name, m]) => `${name} ${m.sqnrDb.toFixed(1)} dB instead of ${e.metrics[name]!.sqnrDb.toFixed(1)} dB`,
    )
    .join(', ');
  return (
    `ONNX Runtime's native int8 kernels on this CPU (x86-64 without VNNI) saturate int16 sums of ` +
    `u8 x s8 products and lose accuracy on this model: ${figures}. The .onnx figures above are exact ` +
    `integer arithmetic, as on ARM, VNNI x86 and TFLite; if you deploy with ONNX Runtime on such CPUs, ` +
    `measure there or --exclude the layers that suffer`
  );
}
