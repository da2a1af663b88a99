import type { Model } from '../ir/graph.js';
import { exportOnnx } from '../formats/onnx/export.js';
import { createOrtSession } from '../runtime/ort.js';
import type { SampleSource } from '../quant/calibrate.js';
import { MetricAccumulator, type OutputMetrics } from './metrics.js';

/**
 * Runs the float model and a written quantized .onnx side by side in ONNX Runtime over the samples and
 * measures, per output, how far the quantized outputs are from the float ones. An output whose last
 * axis has 2 or more entries and no larger trailing structure is treated as class scores (top-1).
 */
export async function evaluateOnnx(
  floatModel: Model,
  quantFile: string,
  source: SampleSource,
): Promise<Record<string, OutputMetrics>> {
  const f = await createOrtSession(exportOnnx(floatModel).bytes);
  const q = await createOrtSession(quantFile);
  const acc: Record<string, MetricAccumulator> = {};
  try {
    for await (const feeds of source.samples()) {
      const a = await f.run(feeds);
      const b = await q.run(feeds);
      for (const [name, ref] of Object.entries(a)) {
        if (ref.dtype !== 'float32' || !b[name]) continue;
        const classes = ref.dims.length === 2 ? ref.dims[1] : undefined;
        (acc[name] ??= new MetricAccumulator()).add(ref.data as Float32Array, b[name].toFloat32(), classes);
      }
    }
  } finally {
    await f.close();
    await q.close();
  }
  return Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.result()]));
}
