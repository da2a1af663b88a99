import fs from 'node:fs';
import { DataError } from '../errors.js';
import type { Model } from '../ir/graph.js';
import type { QuantizeOptions } from '../options.js';
import type { Feeds, SampleSource } from '../quant/calibrate.js';
import { concreteInputShapes, fileSamples, listSampleFiles, syntheticSamples } from '../quant/samples.js';

export interface DataPlan {
  calibration: SampleSource;
  evaluation: SampleSource;
  /** Where evaluation samples come from: files of their own, the calibration files, or synthetic. */
  evaluationSource: 'data' | 'calibration' | 'synthetic';
  labels?: number[];
  warnings: string[];
}

/**
 * Calibration takes the first --calib_samples files; evaluation takes --eval_data, or else the files not
 * used for calibration, so accuracy is never measured on the data the ranges were fitted to unless there
 * is nothing else (then the report says so). Without data both are synthetic, with different seeds.
 */
export function planData(model: Model, o: QuantizeOptions): DataPlan {
  const inputs = model.graph.runtimeInputs();
  const warnings: string[] = [];
  let calibration: SampleSource;
  let evaluation: SampleSource;
  let evaluationSource: DataPlan['evaluationSource'];
  if (o.calib_data) {
    const files = listSampleFiles(o.calib_data);
    // Without --eval_data, evaluation needs files calibration did not see: when --calib_samples would
    // take them all, a quarter is held out (at least one), and the report says so.
    const holdOut = !o.eval_data && files.length <= o.calib_samples && files.length > 1;
    const calibCount = holdOut ? Math.max(1, Math.floor(files.length * 0.75)) : o.calib_samples;
    if (holdOut) {
      warnings.push(
        `calibrated on ${calibCount} of the ${files.length} samples; the other ${files.length - calibCount} are held out for evaluation (give --eval_data to calibrate on all)`,
      );
    }
    const calibFiles = files.slice(0, calibCount);
    calibration = fileSamples(calibFiles, inputs, o.preprocess);
    if (o.eval_data) {
      evaluation = fileSamples(listSampleFiles(o.eval_data), inputs, o.preprocess);
      evaluationSource = 'data';
    } else if (files.length > calibFiles.length) {
      evaluation = fileSamples(files.slice(calibFiles.length), inputs, o.preprocess);
      evaluationSource = 'data';
    } else {
      evaluation = calibration;
      evaluationSource = 'calibration';
      warnings.push(
        'evaluation reuses the calibration samples (give --eval_data or more files than --calib_samples)',
      );
    }
  } else {
    const shapes = concreteInputShapes(model.graph, o.input_shape);
    const scales = new Map<string, number>();
    if (o.input_scale?.kind === 'all') for (const i of inputs) scales.set(i.name, 1 / o.input_scale.value);
    if (o.input_scale?.kind === 'named') for (const [k, v] of o.input_scale.values) scales.set(k, 1 / v);
    calibration = syntheticSamples(model.graph, o.calib_samples, shapes, scales, 1234);
    evaluation = o.eval_data
      ? fileSamples(listSampleFiles(o.eval_data), inputs, o.preprocess)
      : syntheticSamples(model.graph, Math.min(16, o.calib_samples), shapes, scales, 5678);
    evaluationSource = o.eval_data ? 'data' : 'synthetic';
    warnings.push(
      'no --calib_data: ranges come from synthetic inputs (data-free); accuracy figures are agreement with float on synthetic inputs',
    );
  }
  const labels = o.labels ? readLabels(o.labels, evaluation.count) : undefined;
  return { calibration, evaluation, evaluationSource, labels, warnings };
}

/**
 * `source`, its first `n` samples kept in memory once read: a second pass over them (per-layer errors,
 * after the output comparison) does not read or generate them again. Samples past the kept ones come
 * from `source` again.
 */
export function keepFirst(source: SampleSource, n: number): SampleSource {
  const kept: Feeds[] = [];
  return {
    count: source.count,
    kind: source.kind,
    async *samples() {
      const before = kept.length;
      yield* kept.slice(0, before);
      let i = 0;
      for await (const feeds of source.samples()) {
        if (i++ < before) continue;
        if (kept.length < n) kept.push(feeds);
        yield feeds;
      }
    },
  };
}

/** One integer class label per line (blank lines ignored), one per evaluation sample. */
export function readLabels(file: string, samples: number): number[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new DataError(file, 'cannot read the labels file');
  }
  const labels = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l, i) => {
      const v = Number(l);
      if (!Number.isInteger(v) || v < 0)
        throw new DataError(file, `line ${i + 1}: '${l}' is not a class index`);
      return v;
    });
  if (labels.length !== samples) {
    throw new DataError(
      file,
      `has ${labels.length} labels for ${samples} evaluation samples; give one label per sample, in file-name order`,
    );
  }
  return labels;
}
