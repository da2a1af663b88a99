import { InvalidOptionError } from './errors.js';
import type { InputScale } from './quant/quantize.js';
import { parsePreprocess } from './data/image.js';
import type { OutputFormat, RunSettings } from './pipeline/settings.js';

export type { OutputFormat, RunSettings };

/** The schemes the flag takes ('none': float conversion). */
export type Scheme = RunSettings['scheme'];

export interface FlagSpec {
  /** The flag as typed: `--input_scale`. Also the Action input's name. */
  name: string;
  arg?: string;
  description: string;
  /** Shown in --help; undefined when the flag is required or has a computed default. */
  default?: string;
  required?: boolean;
  choices?: readonly string[];
}

export const FLAGS: readonly FlagSpec[] = [
  { name: 'input', arg: 'path', description: 'model to quantize (.onnx or .tflite)', required: true },
  { name: 'output', arg: 'dir', description: 'folder for the written models and reports', default: 'output' },
  {
    name: 'scheme',
    arg: 'name',
    description:
      "quantization scheme: pow2 (the original's fixed-point), affine (standard), none (float conversion)",
    default: 'pow2',
    choices: ['pow2', 'affine', 'none'],
  },
  {
    name: 'formats',
    arg: 'list',
    description:
      'files to write, comma-separated: onnx,tflite (default: both for an .onnx input, tflite for a .tflite input)',
  },
  {
    name: 'optimize',
    arg: 'bool',
    description: 'run the graph optimizer (BatchNorm folding, ...)',
    default: 'true',
  },
  {
    name: 'input_scale',
    arg: 'value',
    description:
      'input scaling factor: a number for every input, name=value,... per input, or auto (pow2: the largest integer keeping the inputs inside int8; affine: inputs keep calibrated scales)',
    default: 'auto',
  },
  {
    name: 'bias_mode',
    arg: 'mode',
    description:
      'pow2 bias width: B8 (truncate, then add an 8-bit bias) or B16 (add a 16-bit bias, then truncate)',
    default: 'B16',
    choices: ['B8', 'B16'],
  },
  {
    name: 'rounding',
    arg: 'mode',
    description:
      "pow2 target's shifts: nearest (files for hardware and runtimes that round: ONNX Runtime, LiteRT) or floor (files for the original hardware, whose shifts truncate: biases carry the rounding offset it lacks, which runtimes that round add on top)",
    default: 'nearest',
    choices: ['floor', 'nearest'],
  },
  {
    name: 'onnx_format',
    arg: 'form',
    description:
      'quantized ONNX form: qdq (QuantizeLinear/DequantizeLinear around float ops) or qoperator (QLinearConv, QLinearMatMul)',
    default: 'qdq',
    choices: ['qdq', 'qoperator'],
  },
  {
    name: 'tflite_layout',
    arg: 'layout',
    description:
      'TFLite inputs: nchw keeps the ONNX layout (one TRANSPOSE per image input), nhwc takes NHWC inputs with no TRANSPOSE',
    default: 'nchw',
    choices: ['nchw', 'nhwc'],
  },
  {
    name: 'io_type',
    arg: 'type',
    description:
      'TFLite inputs and outputs: float (QUANTIZE/DEQUANTIZE at the edges) or int8 (evaluated as a caller feeds it: samples quantized with the input scale, outputs read back with the output scale)',
    default: 'float',
    choices: ['float', 'int8'],
  },
  {
    name: 'equalize',
    arg: 'bool',
    description:
      'cross-layer equalization of Conv -> (ReLU/ReLU6) -> Conv pairs (helps fixed pow2 input scales and per-tensor weights)',
    default: 'false',
  },
  {
    name: 'bias_correction',
    arg: 'how',
    description:
      "correct Conv/Gemm biases for mean shifts: true, the steady shift weight rounding causes (one more pass over the calibration samples); measured, each layer's whole shift against the float model, layer after layer, a depth's moves kept only where the model's outputs come closer to float (ONNX inputs; one pass per layer depth, at most 48); chain, each layer's shift from its weights and the activation grids since the layers before it (ONNX inputs; one pass after calibration); false; auto, true for affine and false for pow2",
    default: 'auto',
  },
  {
    name: 'activation_exponents',
    arg: 'how',
    description:
      'pow2 activation exponents: sum-inputs (B16: by error for tensors read only as Conv inputs and for tensors a Conv, Gemm, MatMul, Add, Sub or ReduceMean reads unless a data-moving op such as Concat made them, by range elsewhere; B8: range), conv-inputs (B16: by error for tensors read only as Conv inputs, by range elsewhere; B8: range), error (of the grids around the range, the one of least squared error on the calibration histogram) or range (the grid that covers the calibrated range)',
    default: 'sum-inputs',
    choices: ['sum-inputs', 'conv-inputs', 'error', 'range'],
  },
  {
    name: 'weight_exponents',
    arg: 'how',
    description:
      'pow2 weight exponents per channel: range (the grid that covers the channel) or error (of that grid and the two 2x and 4x finer, the one of least squared error on the weights)',
    default: 'range',
    choices: ['range', 'error'],
  },
  { name: 'per_channel', arg: 'bool', description: 'per-output-channel weight scales', default: 'true' },
  {
    name: 'calib_data',
    arg: 'path',
    description:
      'calibration samples: a folder or glob of .npy (single input), .npz (arrays named by input) or .png/.jpg (see --preprocess) files; without it, data-free synthetic inputs',
  },
  { name: 'calib_samples', arg: 'n', description: 'samples used for calibration', default: '100' },
  {
    name: 'calib_method',
    arg: 'name',
    description: 'activation range: minmax, percentile, entropy (KL) or mse',
    default: 'percentile',
    choices: ['minmax', 'percentile', 'entropy', 'mse'],
  },
  {
    name: 'percentile',
    arg: 'p',
    description: 'percentile kept by --calib_method percentile',
    default: '99.99',
  },
  {
    name: 'preprocess',
    arg: 'spec',
    description:
      "how .png/.jpg samples become inputs: 'resize=HxW;mean=a,b,c;std=a,b,c;order=rgb|bgr;layout=nchw|nhwc' (pixel/255 units; 'imagenet' sets mean and std; default: the input's size, x/255)",
  },
  {
    name: 'eval_data',
    arg: 'path',
    description:
      'evaluation samples (same formats as --calib_data); default: the --calib_data files not used for calibration',
  },
  {
    name: 'labels',
    arg: 'file',
    description: 'one class index per line, per evaluation sample: enables labelled top-1/top-5 accuracy',
  },
  {
    name: 'fail_on_drop',
    arg: 'points',
    description:
      'exit 1 when labelled top-1 drops by more than this many points (without labels: top-1 agreement below 100 - points %, for an [N, T, classes] output the character agreement of its greedy CTC decoding)',
  },
  {
    name: 'max_drop',
    arg: 'points',
    description:
      'mixed precision: keep the fewest quantized ops in float so that labelled top-1 accuracy (with --labels; else top-1 agreement with float, for an [N, T, classes] output the character agreement of its greedy CTC decoding) drops at most this many points, its 95% upper confidence bound on the evaluation samples (more samples, a tighter bound)',
  },
  {
    name: 'min_sqnr',
    arg: 'dB',
    description:
      "mixed precision: keep the fewest quantized ops in float so that every output's SQNR is at least this many dB on the evaluation samples",
  },
  { name: 'exclude', arg: 'list', description: 'node names or op types kept in float, comma-separated' },
  {
    name: 'int16',
    arg: 'list',
    description:
      'node names or op types run with int16 activations and int8 weights (affine; TFLite 16x8, ONNX Runtime 16-bit QDQ), comma-separated; ops without 16x8 kernels stay float',
  },
  {
    name: 'dense_int16',
    arg: 'bool',
    description:
      'affine, ONNX inputs written as QDQ: when an output is a per-pixel map of the input (detection, segmentation masks), the nodes at stride 2 and 4 from the input run with int16 activations (TFLite 16x8: slower there); false keeps them int8',
    default: 'true',
  },
  {
    name: 'dense_finer',
    arg: 'bool',
    description:
      'pow2 B16, ONNX inputs: when an output is a per-pixel map of the input (detection, segmentation masks), the activations of the nodes at stride 2 and 4 from the input whose exponent is taken by range (not by error) take the grid one finer, clipping their extremes, and every later activation the grid one finer than its range; false keeps the grids pow2 picks',
    default: 'true',
  },
  {
    name: 'input_shape',
    arg: 'shapes',
    description:
      'shapes for inputs with dynamic dims: 1x3x224x224 for all, or name=1x3x224x224,... (a dim the model names, such as batch, takes its size from the input given it)',
  },
];

/**
 * Turns raw flag strings (from argv or Action inputs) into checked settings: the one translation from
 * flags (snake_case, as typed) to the settings the library takes. Both faces call it, so a flag means
 * the same thing in both.
 */
export function parseOptions(raw: Record<string, string | undefined>): RunSettings {
  const get = (name: string): string | undefined => {
    const v = raw[name];
    return v === undefined || v === '' ? FLAGS.find((f) => f.name === name)?.default : v;
  };
  const input = get('input');
  if (!input) throw new InvalidOptionError('input', 'is required: the path of an .onnx or .tflite model');
  return {
    input,
    output: get('output')!,
    scheme: choice('scheme', get('scheme')!, ['pow2', 'affine', 'none'] as const),
    formats: parseFormats(get('formats')),
    optimize: parseBool('optimize', get('optimize')!),
    inputScale: parseInputScale(get('input_scale')!),
    biasMode: choice('bias_mode', get('bias_mode')!, ['B8', 'B16'] as const),
    perChannel: parseBool('per_channel', get('per_channel')!),
    equalize: parseBool('equalize', get('equalize')!),
    biasCorrection: parseBiasCorrection(get('bias_correction')!, get('scheme')!),
    pow2Exponents: choice('activation_exponents', get('activation_exponents')!, [
      'sum-inputs',
      'conv-inputs',
      'error',
      'range',
    ] as const),
    pow2WeightExponents: choice('weight_exponents', get('weight_exponents')!, ['range', 'error'] as const),
    calibData: get('calib_data'),
    calibSamples: positiveInt('calib_samples', get('calib_samples')!),
    calibMethod: choice('calib_method', get('calib_method')!, [
      'minmax',
      'percentile',
      'entropy',
      'mse',
    ] as const),
    percentile: parsePercentile(get('percentile')!),
    exclude: nameList(get('exclude')),
    int16: nameList(get('int16')),
    denseInt16: parseBool('dense_int16', get('dense_int16')!),
    denseFiner: parseBool('dense_finer', get('dense_finer')!),
    inputShapes: parseShapes(get('input_shape')),
    rounding: choice('rounding', get('rounding')!, ['floor', 'nearest'] as const),
    onnxFormat: choice('onnx_format', get('onnx_format')!, ['qdq', 'qoperator'] as const),
    tfliteLayout: choice('tflite_layout', get('tflite_layout')!, ['nchw', 'nhwc'] as const),
    ioType: ioType(get('io_type')!, get('scheme')!),
    evalData: get('eval_data'),
    preprocess: parsePreprocess(get('preprocess')),
    labels: get('labels'),
    failOnDrop:
      get('fail_on_drop') === undefined ? undefined : nonNegative('fail_on_drop', get('fail_on_drop')!),
    ...precisionTarget(get('max_drop'), get('min_sqnr'), get('scheme')!),
  };
}

/** A comma-separated list of node names or op types (--exclude, --int16). */
const nameList = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * The settings under their flags' names, as the report records them (`settings` of report.json): the
 * inverse of `parseOptions`, kept beside it so that a flag's name is written in this file only.
 */
export function flagRecord(s: RunSettings): Record<string, unknown> {
  const scale = s.inputScale;
  return {
    input: s.input,
    output: s.output,
    scheme: s.scheme,
    formats: s.formats,
    optimize: s.optimize,
    input_scale:
      !scale || scale.kind === 'auto'
        ? 'auto'
        : scale.kind === 'all'
          ? scale.value
          : Object.fromEntries(scale.values),
    bias_mode: s.biasMode,
    per_channel: s.perChannel,
    equalize: s.equalize,
    bias_correction: s.biasCorrection,
    activation_exponents: s.pow2Exponents,
    weight_exponents: s.pow2WeightExponents,
    calib_data: s.calibData,
    calib_samples: s.calibSamples,
    calib_method: s.calibMethod,
    percentile: s.percentile,
    exclude: s.exclude,
    int16: s.int16,
    dense_int16: s.denseInt16,
    dense_finer: s.denseFiner,
    input_shape: Object.fromEntries(s.inputShapes),
    rounding: s.rounding,
    onnx_format: s.onnxFormat,
    tflite_layout: s.tfliteLayout,
    io_type: s.ioType,
    eval_data: s.evalData,
    preprocess: s.preprocess,
    labels: s.labels,
    fail_on_drop: s.failOnDrop,
    max_drop: s.maxDrop,
    min_sqnr: s.minSqnr,
  };
}

/**
 * --io_type: int8 edges take the scale and zero point of the quantized input and output, which --scheme none
 * has not: refused there rather than silently writing float edges.
 */
function ioType(value: string, scheme: string): RunSettings['ioType'] {
  const type = choice('io_type', value, ['float', 'int8'] as const);
  if (type === 'int8' && scheme === 'none')
    throw new InvalidOptionError(
      'io_type',
      "int8 edges need the quantized model's input and output scales; --scheme none quantizes nothing (drop --io_type or pick a scheme)",
    );
  return type;
}

/** --max_drop and --min_sqnr (both may be given: both must hold); they need a scheme that quantizes. */
function precisionTarget(
  maxDrop: string | undefined,
  minSqnr: string | undefined,
  scheme: string,
): Pick<RunSettings, 'maxDrop' | 'minSqnr'> {
  const out: Pick<RunSettings, 'maxDrop' | 'minSqnr'> = {};
  if (maxDrop !== undefined) {
    out.maxDrop = nonNegative('max_drop', maxDrop);
    if (out.maxDrop > 100)
      throw new InvalidOptionError('max_drop', `'${maxDrop}' is not valid; give points in [0, 100]`);
  }
  if (minSqnr !== undefined) {
    const v = Number(minSqnr);
    if (!Number.isFinite(v) || minSqnr.trim() === '')
      throw new InvalidOptionError('min_sqnr', `'${minSqnr}' is not valid; give a number of dB`);
    out.minSqnr = v;
  }
  const flag = out.maxDrop !== undefined ? 'max_drop' : out.minSqnr !== undefined ? 'min_sqnr' : undefined;
  if (flag && scheme === 'none')
    throw new InvalidOptionError(flag, 'keeps quantized ops in float; --scheme none quantizes nothing');
  return out;
}

export function choice<T extends string>(flag: string, value: string, valid: readonly T[]): T {
  if ((valid as readonly string[]).includes(value)) return value as T;
  throw new InvalidOptionError(flag, `'${value}' is not valid; use one of: ${valid.join(', ')}`);
}

/**
 * --bias_correction: a boolean (true: the weight-rounding shift), 'measured' (bias-measured.ts), or 'auto':
 * true under affine, where it takes PP-OCRv4 det's text mask from 0.935 to 0.960 IoU and raises rec's
 * agreement with float, false under pow2, whose files lose with it (README, Bias correction).
 */
function parseBiasCorrection(value: string, scheme: string): boolean | 'measured' | 'chain' {
  if (value.toLowerCase() === 'measured') return 'measured';
  if (value.toLowerCase() === 'chain') return 'chain';
  if (value.toLowerCase() === 'auto') return scheme === 'affine';
  try {
    return parseBool('bias_correction', value);
  } catch {
    throw new InvalidOptionError(
      'bias_correction',
      `'${value}' is not valid; use auto, false, true, chain or measured`,
    );
  }
}

export function parseBool(flag: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw new InvalidOptionError(flag, `'${value}' is not valid; use true or false`);
}

function parseFormats(value: string | undefined): OutputFormat[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new InvalidOptionError('formats', 'is empty; use onnx, tflite or onnx,tflite');
  return [...new Set(list.map((f) => choice('formats', f, ['onnx', 'tflite'] as const)))];
}

function positiveNumber(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || text.trim() === '') {
    throw new InvalidOptionError(flag, `'${text}' is not valid; give a positive number`);
  }
  return v;
}

function positiveInt(flag: string, text: string): number {
  const v = positiveNumber(flag, text);
  if (!Number.isInteger(v))
    throw new InvalidOptionError(flag, `'${text}' is not valid; give a positive integer`);
  return v;
}

function parsePercentile(text: string): number {
  const v = positiveNumber('percentile', text);
  if (v > 100) throw new InvalidOptionError('percentile', `'${text}' is not valid; give a value in (0, 100]`);
  return v;
}

/** `10`, `auto`, or `dense=10,image=4`. Zero, negative and NaN scales are refused. */
export function parseInputScale(text: string): InputScale {
  if (text === 'auto') return { kind: 'auto' };
  if (!text.includes('=')) return { kind: 'all', value: positiveNumber('input_scale', text) };
  const values = new Map<string, number>();
  for (const part of text.split(',')) {
    const [name, value] = part.split('=').map((x) => x.trim());
    if (!name || value === undefined)
      throw new InvalidOptionError('input_scale', `'${part}' is not name=value`);
    values.set(name, positiveNumber('input_scale', value));
  }
  return { kind: 'named', values };
}

function parseShapes(text: string | undefined): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (!text) return out;
  for (const part of text.split(',')) {
    const [name, dims] = part.includes('=') ? part.split('=') : ['*', part];
    const list = dims!.trim().split('x').map(Number);
    if (list.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new InvalidOptionError('input_shape', `'${part}' is not valid; write dims as 1x3x224x224`);
    }
    out.set(name!.trim(), list);
  }
  return out;
}

function nonNegative(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || text.trim() === '') {
    throw new InvalidOptionError(flag, `'${text}' is not valid; give a number >= 0`);
  }
  return v;
}
