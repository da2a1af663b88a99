import { InvalidOptionError } from './errors.js';

/**
 * Every option of a run, typed. The CLI and the Action read the same flag table (`FLAGS`) and both end
 * in `QuantizeOptions`, so a flag means the same thing in both faces.
 */
export type Scheme = 'pow2' | 'affine' | 'none';
export type OutputFormat = 'onnx' | 'tflite';

export interface QuantizeOptions {
  input: string;
  output: string;
  scheme: Scheme;
  /** Files to write; default: both for an ONNX input, tflite for a TFLite input. */
  formats?: OutputFormat[];
  optimize: boolean;
}

export interface FlagSpec {
  /** The flag as typed: `--input_scale`. Also the Action input's name. */
  name: keyof QuantizeOptions & string;
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
    description: "quantization scheme: pow2 (the original's fixed-point), affine (standard), none (float conversion)",
    default: 'pow2',
    choices: ['pow2', 'affine', 'none'],
  },
  {
    name: 'formats',
    arg: 'list',
    description: 'files to write, comma-separated: onnx,tflite (default: both for .onnx input, tflite for .tflite)',
  },
  { name: 'optimize', arg: 'bool', description: 'run the graph optimizer (BatchNorm folding, ...)', default: 'true' },
];

/** Turns raw flag strings (from argv or Action inputs) into checked options. */
export function parseOptions(raw: Record<string, string | undefined>): QuantizeOptions {
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
  };
}

export function choice<T extends string>(flag: string, value: string, valid: readonly T[]): T {
  if ((valid as readonly string[]).includes(value)) return value as T;
  throw new InvalidOptionError(flag, `'${value}' is not valid; use one of: ${valid.join(', ')}`);
}

export function parseBool(flag: string, value: string): boolean {
  const v = value.toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw new InvalidOptionError(flag, `'${value}' is not valid; use true or false`);
}

function parseFormats(value: string | undefined): OutputFormat[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new InvalidOptionError('formats', 'is empty; use onnx, tflite or onnx,tflite');
  return [...new Set(list.map((f) => choice('formats', f, ['onnx', 'tflite'] as const)))];
}
