import type { Model } from '../../ir/graph.js';
import type { SampleSource } from '../calibrate.js';
import {
  checkNamedScales,
  resolveInputScales,
  type QuantHooks,
  type QuantResult,
  type QuantSettings,
} from '../quantize.js';
import { assignActivations } from './assign.js';
import { calibrateTflite } from './calibrate.js';
import { planTflite } from './plan.js';
import { rewriteInt8 } from './rewrite.js';

export { TFLITE_QUANT_RULES } from './rules.js';

/** As for ONNX inputs, without the equalization parts (TFLite inputs are not equalized). */
export type TfliteQuantResult = Omit<QuantResult, 'floatReference' | 'equalization' | 'biasCorrection'>;

/**
 * Quantizes a float TFLite-domain model (as `importTflite` reads it) to int8 TFLite: calibrate in LiteRT,
 * then the same ops in the same order, int8 where TFLite has an int8 kernel, with QUANTIZE/DEQUANTIZE
 * where float meets int8. Samples feed inputs by name, in the model's own (NHWC) layout.
 */
export async function quantizeTfliteModel(
  model: Model,
  s: QuantSettings,
  source: SampleSource,
  hooks: QuantHooks & { calibrateRanges?: typeof calibrateTflite } = {},
): Promise<TfliteQuantResult> {
  const g = model.graph;
  const foreign = g.nodes.find((n) => n.domain !== 'tflite');
  if (model.format !== 'tflite' || foreign)
    throw new TypeError(`quantizeTfliteModel takes a TFLite-domain model (node '${foreign?.name}' is not)`);
  const inputs = g.inputs.map((v) => v.name);
  checkNamedScales(s.inputScale, inputs);
  const plan = planTflite(g, s.exclude);
  const floatInputs = inputs.filter((name) => plan.dtypes.get(name) === 'float32');
  const ranges = await (hooks.calibrateRanges ?? calibrateTflite)(model, plan.calibrate, source, {
    method: s.calibMethod,
    percentile: s.percentile,
    onSample: hooks.onSample,
    signal: hooks.signal,
  });
  const inputScales = resolveInputScales(s, floatInputs, ranges);
  const acts = assignActivations(g, plan, ranges, {
    scheme: s.scheme,
    inputScales: new Map(Object.entries(inputScales).map(([k, v]) => [k, 1 / v])),
    baseInputScale: inputScales[floatInputs[0]!] ?? 1,
  });
  const int8 = rewriteInt8(g, plan, acts, {
    scheme: s.scheme,
    perChannel: s.perChannel,
    biasMode: s.biasMode,
    rounding: s.rounding,
  });
  return {
    model: { ...model, graph: int8.graph },
    activations: acts.params,
    weights: int8.weights,
    ranges,
    float: plan.float,
    inputScales,
  };
}
