import { exportOnnx } from '../../src/formats/onnx/export.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { rng } from './graphs.js';

/**
 * Proves a rewrite on numbers: ONNX Runtime runs the model before and after on the same random inputs.
 * ORT's own graph optimizations are off, so what is compared is our rewrite, not ORT's fusions.
 */

export async function runOrt(model: Model, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await createOrtSession(exportOnnx(model).bytes, {
    graphOptimizationLevel: 'disabled',
    intraOpNumThreads: 1,
  });
  try {
    return await session.run(feeds);
  } finally {
    await session.close();
  }
}

/** Uniform floats in [-1, 1) (integer inputs: 0..intHigh-1) for each runtime input, at the given shapes. */
export function randomFeeds(
  model: Model,
  shapes: Record<string, number[]>,
  seed = 7,
  intHigh = 2,
): Record<string, Tensor> {
  const random = rng(seed);
  const feeds: Record<string, Tensor> = {};
  for (const v of model.graph.runtimeInputs()) {
    const type = v.type?.kind === 'tensor' ? v.type : undefined;
    const dims = shapes[v.name] ?? type?.shape?.map((d) => (typeof d === 'number' ? d : 1)) ?? [];
    const n = dims.reduce((a, b) => a * b, 1);
    const dtype = type?.dtype ?? 'float32';
    if (dtype === 'float32')
      feeds[v.name] = Tensor.float32(
        dims,
        Array.from({ length: n }, () => 2 * random() - 1),
      );
    else if (dtype === 'int64')
      feeds[v.name] = Tensor.int64(
        dims,
        Array.from({ length: n }, () => Math.floor(random() * intHigh)),
      );
    else if (dtype === 'int32')
      feeds[v.name] = Tensor.int32(
        dims,
        Array.from({ length: n }, () => Math.floor(random() * intHigh)),
      );
    else throw new Error(`randomFeeds: no generator for ${dtype} input '${v.name}'`);
  }
  return feeds;
}

export interface Agreement {
  /** Largest |before - after| over all outputs. */
  maxDiff: number;
  /** Per output: max abs difference, the output's range (max - min before), and their ratio. */
  outputs: Record<string, { maxDiff: number; range: number; ratio: number }>;
  /** Largest diff/range ratio over outputs (the acceptance figure: <= 1e-4). */
  worstRatio: number;
}

export async function compareOrt(
  before: Model,
  after: Model,
  feeds: Record<string, Tensor>,
): Promise<Agreement> {
  const a = await runOrt(before, feeds);
  const b = await runOrt(after, feeds);
  const outputs: Agreement['outputs'] = {};
  let maxDiff = 0;
  let worstRatio = 0;
  for (const name of Object.keys(a)) {
    const x = a[name]!.toFloat32();
    const y = b[name]?.toFloat32();
    if (!y || y.length !== x.length)
      throw new Error(`output '${name}' is missing or changed size after the rewrite`);
    let diff = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < x.length; i++) {
      diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
      if (Number.isNaN(y[i]!) !== Number.isNaN(x[i]!)) diff = Infinity;
      lo = Math.min(lo, x[i]!);
      hi = Math.max(hi, x[i]!);
    }
    const range = x.length ? hi - lo : 0;
    const ratio = diff === 0 ? 0 : diff / Math.max(range, 1e-6);
    outputs[name] = { maxDiff: diff, range, ratio };
    maxDiff = Math.max(maxDiff, diff);
    worstRatio = Math.max(worstRatio, ratio);
  }
  return { maxDiff, outputs, worstRatio };
}

/**
 * Output SQNR (dB) of a written file against the float one, both run by ONNX Runtime (default session
 * options) on the same feeds: the first output, summed over all feeds.
 */
export async function filesSqnrInOrt(
  floatFile: string,
  quantFile: string,
  feeds: Iterable<Record<string, Tensor>>,
): Promise<number> {
  const f = await createOrtSession(floatFile);
  const q = await createOrtSession(quantFile);
  let signal = 0;
  let noise = 0;
  try {
    for (const feed of feeds) {
      const a = Object.values(await f.run(feed))[0]!.toFloat32();
      const c = Object.values(await q.run(feed))[0]!.toFloat32();
      a.forEach((v, k) => {
        signal += v * v;
        noise += (v - c[k]!) ** 2;
      });
    }
  } finally {
    await f.close();
    await q.close();
  }
  return 10 * Math.log10(signal / noise);
}
