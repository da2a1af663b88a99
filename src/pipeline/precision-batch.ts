import type { Candidate, Outputs } from '../eval/evaluate.js';
import { Tensor } from '../ir/tensor.js';
import type { Feeds } from '../quant/calibrate.js';

/**
 * A candidate that has already run every one of `samples` in one batched inference, and answers each
 * sample from it: the search scores hundreds of variants on the same few samples, and one run of a
 * batch of them costs less than as many runs of one. Only where batching cannot change what a sample
 * means: float32 inputs of batch 1, the same shapes in every sample, a candidate that takes its inputs
 * as they are (not an NHWC .tflite), and outputs whose first dimension is the batch. Otherwise (or when
 * the runtime refuses the batch: a model fixed to batch 1) the candidate runs sample by sample.
 */
export async function batched(c: Candidate, samples: Feeds[]): Promise<Candidate> {
  if (samples.length < 2 || c.nhwc || c.shapes || c.stored || !sameShapes(samples)) return c;
  const answers = new Map<Feeds, Outputs>();
  for (let at = 0; at < samples.length; at += BATCH) {
    const part = samples.slice(at, at + BATCH);
    const out = await runBatch(c, part);
    if (!out) return c;
    part.forEach((feeds, i) => answers.set(feeds, out[i]!));
  }
  return {
    run: async (feeds) => answers.get(feeds) ?? c.run(feeds),
    close: () => c.close(),
  };
}

/** Samples per run: a batch of PP-OCRv4 rec's lines holds about 40 MB of activations per sample. */
const BATCH = 8;

/** Each sample's outputs from one run of the batch, or undefined when the batch cannot be run. */
async function runBatch(c: Candidate, samples: Feeds[]): Promise<Outputs[] | undefined> {
  if (samples.length === 1) return [await c.run(samples[0]!)];
  let out: Outputs;
  try {
    out = await c.run(concat(samples));
  } catch {
    return undefined;
  }
  const n = samples.length;
  if (!Object.values(out).every((o) => o.dims[0] === n)) return undefined;
  return samples.map((_, i) => {
    const one: Outputs = {};
    for (const [name, o] of Object.entries(out)) {
      const size = o.data.length / n;
      one[name] = { dims: [1, ...o.dims.slice(1)], data: o.data.slice(i * size, (i + 1) * size) };
    }
    return one;
  });
}

function sameShapes(samples: Feeds[]): boolean {
  const first = samples[0]!;
  const names = Object.keys(first);
  return samples.every((s) =>
    names.every((k) => {
      const t = s[k];
      const f = first[k]!;
      return (
        t !== undefined &&
        t.dtype === 'float32' &&
        t.dims[0] === 1 &&
        t.dims.length === f.dims.length &&
        t.dims.every((d, i) => d === f.dims[i])
      );
    }),
  );
}

function concat(samples: Feeds[]): Feeds {
  const out: Feeds = {};
  for (const name of Object.keys(samples[0]!)) {
    const parts = samples.map((s) => s[name]!.data as Float32Array);
    const data = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      data.set(p, at);
      at += p.length;
    }
    out[name] = new Tensor('float32', [samples.length, ...samples[0]![name]!.dims.slice(1)], data);
  }
  return out;
}
