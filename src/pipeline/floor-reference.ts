/**
 * The float model as a pow2 --rounding floor run settles against it (--bias_correction measured,
 * quant/tflite/floor-float.ts): the mean per channel of its layers' values in ONNX Runtime on each of
 * the samples the device runs.
 */
import type { Model } from '../ir/graph.js';
import type { Feeds } from '../quant/calibrate.js';
import { ChannelMeanObserver } from '../quant/observers.js';
import type { FloatReference } from '../quant/tflite/floor-float.js';
import { createModelSession } from '../runtime/ort-model.js';

/** `samples`: the feeds in the float model's own layout, the device's samples in the same order. */
export function floatReference(model: Model, samples: () => AsyncIterable<Feeds>): FloatReference {
  return {
    graph: model.graph,
    async means(requests) {
      const g = model.graph.clone();
      const known = new Set([...g.nodes.flatMap((n) => n.outputs), ...g.inputs.map((v) => v.name)]);
      const asked = requests.filter((r) => known.has(r.name));
      if (!asked.length) return new Map();
      const names = [...new Set(asked.map((r) => r.name))];
      for (const name of names) if (!g.outputs.some((v) => v.name === name)) g.outputs.push({ name });
      const perSample = new Map<string, Float64Array[]>(asked.map((r) => [r.name, []]));
      const session = await createModelSession({ ...model, graph: g });
      try {
        for await (const feeds of samples()) {
          const out = await session.run(feeds, names);
          for (const r of asked) {
            const t = out[r.name];
            if (t?.dtype !== 'float32') continue;
            const o = new ChannelMeanObserver(r.channelsLast);
            o.observe(t.data as Float32Array, t.dims);
            perSample.get(r.name)!.push(o.means());
          }
        }
      } finally {
        await session.close();
      }
      return perSample;
    },
  };
}
