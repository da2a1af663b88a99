import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { exportOnnx } from '../formats/onnx/export.js';
import { exportTflite } from '../formats/tflite/export.js';
import { createOrtSession } from '../runtime/ort.js';
import { loadTflite, type TfliteData } from '../runtime/litert.js';
import { importTflite } from '../formats/tflite/import.js';
import { createIntegerExecutor, type Rounding } from '../runtime/integer/index.js';
import { runnerFeeds } from '../quant/tflite/calibrate.js';
import type { SampleSource } from '../quant/calibrate.js';
import { MetricAccumulator, type OutputMetrics } from './metrics.js';

/**
 * Runs the float model (ONNX in ONNX Runtime; a TFLite input in LiteRT) and a written .tflite in LiteRT
 * over the same samples, and
 * measures per output how far the TFLite outputs are from float. `nhwc`: 4-D inputs are transposed from
 * NCHW for LiteRT and 4-D outputs back, so the comparison is element for element.
 */
/** What a quantized .tflite runs on: LiteRT, or the project's integer executor (the pow2 "device"). */
export type TfliteTarget =
  { kind: 'litert' } | { kind: 'device'; rounding: Rounding; biasMode: 'B8' | 'B16' };

interface Runner {
  run(
    feeds: Record<string, Tensor>,
  ): Promise<Record<string, { shape: readonly number[]; data: Float32Array }>>;
  close(): void;
}

export async function evaluateTflite(
  floatModel: Model,
  tflite: Uint8Array,
  source: SampleSource,
  layout: 'nchw' | 'nhwc',
  target: TfliteTarget = { kind: 'litert' },
): Promise<Record<string, OutputMetrics>> {
  const f =
    floatModel.format === 'tflite'
      ? await tfliteReference(floatModel)
      : await createOrtSession(exportOnnx(floatModel).bytes);
  const t = target.kind === 'litert' ? await litertRunner(tflite) : deviceRunner(tflite, target);
  const acc: Record<string, MetricAccumulator> = {};
  try {
    for await (const feeds of source.samples()) {
      const ref = await f.run(feeds);
      const oriented: Record<string, Tensor> = {};
      for (const [name, x] of Object.entries(feeds)) {
        oriented[name] = layout === 'nhwc' && x.dims.length === 4 ? transpose(x, [0, 2, 3, 1]) : x;
      }
      const out = await t.run(oriented);
      for (const [name, r] of Object.entries(ref)) {
        const o = out[name];
        if (!o || r.dtype !== 'float32') continue;
        let data = o.data;
        if (layout === 'nhwc' && o.shape.length === 4 && r.dims.length === 4 && o.shape[3] === r.dims[1]) {
          data = transpose(Tensor.float32(o.shape, data), [0, 3, 1, 2]).data as Float32Array;
        }
        const classes = r.dims.length === 2 ? r.dims[1] : undefined;
        (acc[name] ??= new MetricAccumulator()).add(r.data as Float32Array, data, classes);
      }
    }
  } finally {
    await f.close();
    t.close();
  }
  return Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.result()]));
}

async function litertRunner(bytes: Uint8Array): Promise<Runner> {
  const t = await loadTflite(bytes, 'quantized.tflite');
  return {
    async run(feeds) {
      const names = t.inputs.map((p, i) => (feeds[p.name] ? p.name : Object.keys(feeds)[i]!));
      const out = await t.run(runnerFeeds(t, names, feeds));
      return Object.fromEntries(
        Object.entries(out).map(([k, o]) => [
          k,
          {
            shape: o.shape,
            data: o.data instanceof Float32Array ? o.data : Float32Array.from(o.data as ArrayLike<number>),
          },
        ]),
      );
    },
    close: () => t.close(),
  };
}

/** The pow2 model in the original hardware's arithmetic (truncating shifts, B8/B16), bit-exact. */
function deviceRunner(bytes: Uint8Array, target: { rounding: Rounding; biasMode: 'B8' | 'B16' }): Runner {
  const ex = createIntegerExecutor(importTflite(bytes, 'quantized.tflite'), {
    scheme: 'pow2',
    rounding: target.rounding,
    biasMode: target.biasMode,
  });
  return {
    async run(feeds) {
      const out = ex.run(feeds);
      return Object.fromEntries(
        Object.entries(out).map(([k, o]) => [k, { shape: o.dims, data: o.toFloat32() }]),
      );
    },
    close: () => undefined,
  };
}

/** A float TFLite model run in LiteRT, behind the same run() shape as the ORT session. */
async function tfliteReference(m: Model) {
  const r = await loadTflite(exportTflite(m), 'float.tflite');
  return {
    async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
      const out = await r.run(
        Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.data as TfliteData])),
      );
      return Object.fromEntries(
        Object.entries(out).map(([k, o]) => [
          k,
          new Tensor(
            'float32',
            o.shape,
            o.data instanceof Float32Array ? o.data : Float32Array.from(o.data as ArrayLike<number>),
          ),
        ]),
      );
    },
    async close() {
      r.close();
    },
  };
}

function transpose(t: Tensor, perm: number[]): Tensor {
  const dims = perm.map((p) => t.dims[p]!);
  const src = t.data as Float32Array;
  const out = new (src.constructor as Float32ArrayConstructor)(src.length);
  const inStrides = t.dims.map((_, i) => t.dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = new Array<number>(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let s = 0;
    for (let d = 0; d < dims.length; d++) s += idx[d]! * inStrides[perm[d]!]!;
    out[o] = src[s]!;
    for (let d = dims.length - 1; d >= 0 && ++idx[d]! === dims[d]; d--) idx[d] = 0;
  }
  return new Tensor(t.dtype, dims, out);
}
