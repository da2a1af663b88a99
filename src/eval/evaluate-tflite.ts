import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { exportOnnx } from '../formats/onnx/export.js';
import { exportTflite } from '../formats/tflite/export.js';
import { createOrtSession } from '../runtime/ort.js';
import { loadTflite, type TfliteData } from '../runtime/litert.js';
import { runnerFeeds } from '../quant/tflite/calibrate.js';
import type { SampleSource } from '../quant/calibrate.js';
import { MetricAccumulator, type OutputMetrics } from './metrics.js';

/**
 * Runs the float model (ONNX in ONNX Runtime; a TFLite input in LiteRT) and a written .tflite in LiteRT
 * over the same samples, and
 * measures per output how far the TFLite outputs are from float. `nhwc`: 4-D inputs are transposed from
 * NCHW for LiteRT and 4-D outputs back, so the comparison is element for element.
 */
export async function evaluateTflite(
  floatModel: Model,
  tflite: Uint8Array,
  source: SampleSource,
  layout: 'nchw' | 'nhwc',
): Promise<Record<string, OutputMetrics>> {
  const f =
    floatModel.format === 'tflite'
      ? await tfliteReference(floatModel)
      : await createOrtSession(exportOnnx(floatModel).bytes);
  const t = await loadTflite(tflite, 'quantized.tflite');
  const acc: Record<string, MetricAccumulator> = {};
  try {
    for await (const feeds of source.samples()) {
      const ref = await f.run(feeds);
      const oriented: Record<string, Tensor> = {};
      for (const [name, x] of Object.entries(feeds)) {
        oriented[name] = layout === 'nhwc' && x.dims.length === 4 ? transpose(x, [0, 2, 3, 1]) : x;
      }
      const names = t.inputs.map((p, i) => (oriented[p.name] ? p.name : Object.keys(oriented)[i]!));
      const lite = runnerFeeds(t, names, oriented);
      const out = await t.run(lite);
      for (const [name, r] of Object.entries(ref)) {
        const o = out[name];
        if (!o || r.dtype !== 'float32') continue;
        let data = o.data instanceof Float32Array ? o.data : Float32Array.from(o.data as ArrayLike<number>);
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
