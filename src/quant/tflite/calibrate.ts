import { exportTflite } from '../../formats/tflite/export.js';
import type { TfliteModelExtra } from '../../formats/tflite/ir-extras.js';
import type { Model, ValueInfo } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { loadTflite, type TfliteData, type TfliteDType, type TfliteRunner } from '../../runtime/litert.js';
import type { Probe } from '../calibrate.js';

/**
 * The float TFLite model in LiteRT with each of `tensors` made an extra subgraph output: calibration's
 * probe for a TFLite-domain model (quant/calibrate.ts calibrateStats streams the samples through it).
 */
export async function tfliteProbe(model: Model, tensors: string[]): Promise<Probe> {
  // Errors name the user's file: the probe is that model, rewritten with more outputs.
  const file = (model.extra?.tflite as TfliteModelExtra | undefined)?.file ?? 'calibration model';
  const runner = await loadTflite(exportTflite(probeModel(model, tensors)), file);
  const inputs = model.graph.inputs.map((v) => v.name);
  const outputs = [...model.graph.outputs.map((v) => v.name), ...tensors.filter((t) => !isIo(model, t))];
  return {
    inputs: new Set(inputs),
    async run(feeds) {
      const result = await runner.run(runnerFeeds(runner, inputs, feeds));
      return runner.outputs.flatMap((port, i) => {
        const out = result[port.name];
        return out?.data instanceof Float32Array ? [[outputs[i]!, out.data, out.shape] as const] : [];
      });
    },
    close: () => runner.close(),
  };
}

const isIo = (model: Model, name: string): boolean =>
  model.graph.inputs.some((v) => v.name === name) || model.graph.outputs.some((v) => v.name === name);

/**
 * The float model with every tensor in `tensors` appended to the subgraph outputs. Signatures go: with
 * none, LiteRT exposes the subgraph's inputs and outputs in order, which is how results are matched.
 */
export function probeModel(model: Model, tensors: string[]): Model {
  const g = model.graph.clone();
  for (const name of tensors) {
    if (isIo(model, name)) continue;
    const info: ValueInfo = g.valueInfo.get(name) ?? { name, type: g.typeOf(name) };
    g.outputs.push(info);
    g.valueInfo.delete(name);
  }
  const kept = model.extra?.tflite as TfliteModelExtra | undefined;
  const extra: TfliteModelExtra = { ...kept, metadata: [], metadataBuffers: [], signatureDefs: [] };
  return { ...model, graph: g, extra: { ...model.extra, tflite: extra } };
}

const ARRAYS: Partial<Record<TfliteDType, (t: Tensor) => TfliteData>> = {
  float32: (t) => t.toFloat32(),
  int32: (t) => Int32Array.from(t.toNumbers()),
  int64: (t) => BigInt64Array.from(t.toNumbers(), (v) => BigInt(v)),
  uint8: (t) => Uint8Array.from(t.toNumbers()),
  int8: (t) => Int8Array.from(t.toNumbers()),
  int16: (t) => Int16Array.from(t.toNumbers()),
  bool: (t) => Uint8Array.from(t.toNumbers()),
};

/** Feeds in the runner's input order, each as the typed array its port takes. */
export function runnerFeeds(
  runner: TfliteRunner,
  inputs: string[],
  feeds: Record<string, Tensor>,
): TfliteData[] {
  return runner.inputs.map((port, i) => {
    const t = feeds[inputs[i]!];
    if (!t) throw new RangeError(`calibration sample has no data for input '${inputs[i]}'`);
    const convert = ARRAYS[port.dtype];
    if (!convert) throw new TypeError(`input '${inputs[i]}' is ${port.dtype}, which samples cannot feed`);
    return convert(t);
  });
}
