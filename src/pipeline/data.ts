import fs from 'node:fs';
import { DataError, InvalidOptionError } from '../errors.js';
import type { Model, ValueInfo } from '../ir/graph.js';
import { concreteShape } from '../ir/shapes.js';
import type { RunSettings } from './settings.js';
import type { Feeds, SampleSource } from '../quant/calibrate.js';
import { concreteInputShapes, fileSamples, listSampleFiles, syntheticSamples } from '../quant/samples.js';

export interface DataPlan {
  calibration: SampleSource;
  evaluation: SampleSource;
  /** Where evaluation samples come from: files of their own, the calibration files, or synthetic. */
  evaluationSource: 'data' | 'calibration' | 'synthetic';
  /** The concrete shape of every model input: the one every sample has and every written file takes. */
  inputShapes: Map<string, number[]>;
  labels?: number[];
  warnings: string[];
}

/**
 * Calibration takes the first --calib_samples files; evaluation takes --eval_data, or else the files not
 * used for calibration, so accuracy is never measured on the data the ranges were fitted to unless there
 * is nothing else (then the report says so). Without data both are synthetic, with different seeds.
 *
 * Input shapes are decided here, once: by the first calibration sample when there is data (then
 * --input_shape must agree with it), else by --input_shape and the declared dims (see concreteShape).
 */
export async function planData(model: Model, o: RunSettings): Promise<DataPlan> {
  const inputs = model.graph.runtimeInputs();
  checkShapeNames(inputs, o.inputShapes);
  const warnings: string[] = [];
  let calibration: SampleSource;
  let evaluation: SampleSource;
  let evaluationSource: DataPlan['evaluationSource'];
  let inputShapes: Map<string, number[]>;
  if (o.calibData) {
    const files = listSampleFiles(o.calibData);
    // Without --eval_data, evaluation needs files calibration did not see: when --calib_samples would
    // take them all, a quarter is held out (at least one), and the report says so.
    const holdOut = !o.evalData && files.length <= o.calibSamples && files.length > 1;
    const calibCount = holdOut ? Math.max(1, Math.floor(files.length * 0.75)) : o.calibSamples;
    if (holdOut) {
      warnings.push(
        `calibrated on ${calibCount} of the ${files.length} samples; the other ${files.length - calibCount} are held out for evaluation (give --eval_data to calibrate on all)`,
      );
    }
    const calibFiles = files.slice(0, calibCount);
    inputShapes = await shapesOfData(calibFiles[0]!, inputs, o);
    const origin = `the first calibration sample (${calibFiles[0]})`;
    const read = (f: string[]) => samplesOfShape(f, inputs, inputShapes, o, origin);
    calibration = read(calibFiles);
    if (o.evalData) {
      evaluation = read(listSampleFiles(o.evalData));
      evaluationSource = 'data';
    } else if (files.length > calibFiles.length) {
      evaluation = read(files.slice(calibFiles.length));
      evaluationSource = 'data';
    } else {
      evaluation = calibration;
      evaluationSource = 'calibration';
      warnings.push(
        'evaluation reuses the calibration samples (give --eval_data or more files than --calib_samples)',
      );
    }
  } else {
    inputShapes = concreteInputShapes(model.graph, o.inputShapes);
    const scales = new Map<string, number>();
    if (o.inputScale?.kind === 'all') for (const i of inputs) scales.set(i.name, o.inputScale.value);
    if (o.inputScale?.kind === 'named') for (const [k, v] of o.inputScale.values) scales.set(k, v);
    calibration = syntheticSamples(model.graph, o.calibSamples, inputShapes, scales, 1234);
    evaluation = o.evalData
      ? samplesOfShape(listSampleFiles(o.evalData), inputs, inputShapes, o, 'the synthetic samples')
      : syntheticSamples(model.graph, Math.min(16, o.calibSamples), inputShapes, scales, 5678);
    evaluationSource = o.evalData ? 'data' : 'synthetic';
    warnings.push(
      'no --calib_data: ranges come from synthetic inputs (data-free); accuracy figures are agreement with float on synthetic inputs',
    );
  }
  const labels = o.labels ? readLabels(o.labels, evaluation.count) : undefined;
  return { calibration, evaluation, evaluationSource, inputShapes, labels, warnings };
}

/** The input shapes of a run without samples (--scheme none): --input_shape and the declared dims. */
export function plainInputShapes(model: Model, o: Pick<RunSettings, 'inputShapes'>): Map<string, number[]> {
  checkShapeNames(model.graph.runtimeInputs(), o.inputShapes);
  return concreteInputShapes(model.graph, o.inputShapes);
}

function checkShapeNames(inputs: ValueInfo[], given: Map<string, number[]>): void {
  const names = inputs.map((v) => v.name);
  for (const name of given.keys()) {
    if (name !== '*' && !names.includes(name)) {
      throw new InvalidOptionError(
        'input_shape',
        `names '${name}', which is not an input of the model; its inputs are: ${names.join(', ')}`,
      );
    }
  }
}

/**
 * The shapes the first calibration sample has (read against the declared inputs, so fixed dims and the
 * element type are checked there). --input_shape, when given too, must say the same: two sources that
 * disagree are a usage error, not a silent pick.
 */
async function shapesOfData(
  file: string,
  inputs: ValueInfo[],
  o: Pick<RunSettings, 'inputShapes' | 'preprocess'>,
): Promise<Map<string, number[]>> {
  let first: Feeds | undefined;
  for await (const feeds of fileSamples([file], inputs, o.preprocess).samples()) first = feeds;
  const shapes = new Map<string, number[]>();
  for (const v of inputs) {
    const dims = [...first![v.name]!.dims];
    const given = o.inputShapes.get(v.name) ?? o.inputShapes.get('*');
    if (given && !sameDims(given, dims)) {
      const image = /\.(png|jpe?g)$/i.test(file) ? ' (images: --preprocess resize=HxW sets their size)' : '';
      throw new InvalidOptionError(
        'input_shape',
        `input '${v.name}' is given as ${given.join('x')}, but the calibration data (${file}) is ${dims.join('x')}; drop --input_shape or make the two agree${image}`,
      );
    }
    shapes.set(v.name, concreteShape(v, dims, `the calibration data (${file})`));
  }
  return shapes;
}

/**
 * Samples from files, each checked to have the shapes every written file takes. A dynamic dim takes the
 * first sample's size; a later sample of another size is refused (not resized or padded: which of the
 * two a model wants is the user's call), with the file, the input and both shapes named.
 */
function samplesOfShape(
  files: string[],
  inputs: ValueInfo[],
  shapes: Map<string, number[]>,
  o: Pick<RunSettings, 'preprocess'>,
  origin: string,
): SampleSource {
  return {
    count: files.length,
    kind: 'data',
    shapes,
    async *samples() {
      for (const file of files) {
        for await (const feeds of fileSamples([file], inputs, o.preprocess).samples()) {
          for (const v of inputs) {
            const want = shapes.get(v.name)!;
            const got = feeds[v.name]!.dims;
            if (sameDims(want, got)) continue;
            throw new DataError(
              file,
              `input '${v.name}' is ${got.join('x')}, but ${origin} made it ${want.join('x')}; every sample must have one shape, the one the written files take (resize or pad the samples to one size${/\.(png|jpe?g)$/i.test(file) ? ', e.g. with --preprocess resize=HxW' : ''})`,
            );
          }
          yield feeds;
        }
      }
    },
  };
}

const sameDims = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

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
    shapes: source.shapes,
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

/** The first `n` samples of `source`, and no more (keepFirst caches them; this one stops). */
export function firstSamples(source: SampleSource, n: number): SampleSource {
  return {
    count: Math.min(source.count, n),
    kind: source.kind,
    shapes: source.shapes,
    async *samples() {
      let i = 0;
      for await (const feeds of source.samples()) {
        if (i++ >= n) return;
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
