import fs from 'node:fs';
import path from 'node:path';
import { globSync } from 'tinyglobby';
import { DataError } from '../errors.js';
import type { Dim, Graph, ValueInfo } from '../ir/graph.js';
import { concreteShapes } from '../ir/shapes.js';
import { Tensor } from '../ir/tensor.js';
import { readNpyFile } from '../data/npy.js';
import { readNpzFile } from '../data/npz.js';
import { DEFAULT_PREPROCESS, readImageSample, type Preprocess } from '../data/image.js';
import type { Feeds, SampleSource } from './calibrate.js';

/** The files a --calib_data / --eval_data value names: a folder, a file, or a glob, sorted by name. */
export function listSampleFiles(spec: string): string[] {
  let files: string[];
  if (fs.existsSync(spec) && fs.statSync(spec).isDirectory()) {
    files = fs.readdirSync(spec).map((f) => path.join(spec, f));
  } else if (fs.existsSync(spec)) {
    files = [spec];
  } else {
    files = globSync(spec, { absolute: false, onlyFiles: true });
  }
  files = files.filter((f) => /\.(npy|npz|png|jpe?g)$/i.test(f)).sort();
  if (files.length === 0) throw new DataError(spec, 'holds no .npy, .npz, .png or .jpg samples');
  return files;
}

/**
 * Samples read from .npy files (one sample each, single-input models) or .npz files (one sample each,
 * arrays named by model input). Each file is read when its turn comes, never all at once, and checked
 * against the model's inputs: a wrong name, dtype or shape is an error naming the file and the input.
 */
export function fileSamples(
  files: string[],
  inputs: ValueInfo[],
  preprocess: Preprocess = DEFAULT_PREPROCESS,
): SampleSource {
  return {
    count: files.length,
    kind: 'data',
    async *samples() {
      for (const file of files) yield readSample(file, inputs, preprocess);
    },
  };
}

function readSample(file: string, inputs: ValueInfo[], preprocess: Preprocess): Feeds {
  let feeds: Feeds;
  if (/\.(png|jpe?g)$/i.test(file)) {
    if (inputs.length !== 1)
      throw new DataError(
        file,
        `an image feeds one input, but the model has ${inputs.length}; use .npz files`,
      );
    const shape = inputs[0]!.type?.kind === 'tensor' ? inputs[0]!.type.shape : undefined;
    feeds = { [inputs[0]!.name]: readImageSample(file, preprocess, shape) };
  } else if (file.toLowerCase().endsWith('.npy')) {
    if (inputs.length !== 1) {
      throw new DataError(
        file,
        `a .npy sample feeds one input, but the model has ${inputs.length} (${inputs.map((i) => i.name).join(', ')}); use .npz files with arrays named by input`,
      );
    }
    feeds = { [inputs[0]!.name]: readNpyFile(file) };
  } else {
    feeds = readNpzFile(file);
  }
  const picked: Feeds = {};
  for (const input of inputs) {
    const alias = aliasOf(input);
    const t = feeds[input.name] ?? (alias === undefined ? undefined : feeds[alias]);
    if (!t) {
      const named = alias === undefined ? `'${input.name}'` : `'${input.name}' (signature key '${alias}')`;
      throw new DataError(
        file,
        `has no array for model input ${named} (it has: ${Object.keys(feeds).join(', ') || 'none'})`,
      );
    }
    checkFits(file, input, t);
    picked[input.name] = t;
  }
  return picked;
}

/**
 * A TFLite input's SignatureDef key when it differs from the tensor name: an .npz array may be named by
 * either, as TensorFlow users name inputs by the key and the file's tensors by their own names.
 */
function aliasOf(input: ValueInfo): string | undefined {
  const tfl = input.extra?.tflite as { signatureKey?: string } | undefined;
  return tfl?.signatureKey;
}

function checkFits(file: string, input: ValueInfo, t: Tensor): void {
  if (input.type?.kind !== 'tensor') return;
  const { dtype, shape } = input.type;
  if (t.dtype !== dtype)
    throw new DataError(file, `input '${input.name}' expects ${dtype}, the sample is ${t.dtype}`);
  if (!shape) return;
  const fits =
    shape.length === t.dims.length && shape.every((d, i) => typeof d !== 'number' || d === t.dims[i]);
  if (!fits) {
    throw new DataError(
      file,
      `input '${input.name}' expects shape [${shape.map(dimText).join(', ')}], the sample is [${t.dims.join(', ')}]`,
    );
  }
}

const dimText = (d: Dim) => (d === null ? '?' : String(d));

/** A seeded generator (mulberry32): synthetic samples are the same on every run and machine. */
export function rng(seed: number): () => number {
  const m = new Mulberry32(seed);
  return () => m.next();
}

/**
 * mulberry32 with its state in reach, so that `normals` runs the generator inline: a det page at 640 x 640
 * draws 2.5 million numbers, and through two closures per value the draw cost 58 ms CPU a sample against 43
 * here (the logarithm and cosine are the rest), for every pass over synthetic samples.
 */
export class Mulberry32 {
  private a: number;

  constructor(seed: number) {
    this.a = seed >>> 0;
  }

  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /**
   * `out` filled with standard normal values clipped to [-lim, lim], each from two draws (Box-Muller's
   * cosine half): sqrt(-2 ln(1 - u1)) cos(2 pi u2), as next() would give u1 and u2.
   */
  normals(out: Float32Array, lim: number): void {
    let a = this.a;
    for (let i = 0; i < out.length; i++) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u1 = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      a = (a + 0x6d2b79f5) >>> 0;
      t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const u2 = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      out[i] = Math.max(-lim, Math.min(lim, Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2)));
    }
    this.a = a;
  }
}

/**
 * Data-free samples: float inputs standard normal, clipped to the range the input's int8 scale can hold
 * (as the original tool did without data); integer inputs uniform over the rows of the table they index
 * (an embedding's size) or [0, 16).
 */
export function syntheticSamples(
  g: Graph,
  count: number,
  shapes: Map<string, number[]>,
  /** input_scale of the float inputs given one: their int8 range is +-127 / input_scale. */
  inputScales: Map<string, number>,
  seed = 1234,
): SampleSource {
  const inputs = g.runtimeInputs();
  return {
    count,
    kind: 'synthetic',
    shapes: new Map(inputs.map((v) => [v.name, shapes.get(v.name)!])),
    async *samples() {
      const draw = new Mulberry32(seed);
      const next = () => draw.next();
      for (let s = 0; s < count; s++) {
        const feeds: Feeds = {};
        for (const input of inputs) {
          const dims = shapes.get(input.name)!;
          const size = dims.reduce((a, b) => a * b, 1);
          const type = input.type?.kind === 'tensor' ? input.type.dtype : 'float32';
          if (type === 'int64' || type === 'int32') {
            const rows = indexedRows(g, input.name);
            const vals = Array.from({ length: size }, () => Math.floor(next() * rows));
            feeds[input.name] = type === 'int64' ? Tensor.int64(dims, vals) : Tensor.int32(dims, vals);
          } else {
            const inputScale = inputScales.get(input.name);
            const lim = inputScale ? 127 * (1 / inputScale) : Infinity;
            const values = new Float32Array(size);
            draw.normals(values, lim);
            feeds[input.name] = Tensor.float32(dims, values);
          }
        }
        yield feeds;
      }
    },
  };
}

function indexedRows(g: Graph, input: string): number {
  for (const n of g.nodes) {
    if (n.opType === 'Gather' && n.inputs[1] === input) {
      const table = g.initializers.get(n.inputs[0]!);
      if (table) return table.dims[0]!;
    }
  }
  return 16;
}

/**
 * Concrete shapes for the model's inputs: --input_shape (by name, or '*' for all) checked against the
 * declared shape, else fixed dims as declared and a leading symbolic dim as batch 1 (see concreteShape).
 */
export function concreteInputShapes(g: Graph, given: Map<string, number[]>): Map<string, number[]> {
  return concreteShapes(g.runtimeInputs(), (v) => given.get(v.name) ?? given.get('*'));
}
