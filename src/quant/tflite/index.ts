import { InvalidOptionError } from '../../errors.js';
import type { Graph, Model } from '../../ir/graph.js';
import { planQuantization, type QuantPlan } from '../assign.js';
import { correctWeightRounding } from '../bias-correction.js';
import { calibrateStats, type SampleSource } from '../calibrate.js';
import { elementTypes } from '../dtypes.js';
import { fitB16Biases, quantizeAllWeights } from '../qdq.js';
import {
  checkNamedScales,
  equalize,
  quantSchemeOf,
  resolveInputScales,
  type QuantHooks,
  type QuantResult,
  type QuantSettings,
  weightSettingsOf,
} from '../quantize.js';
import { quantRuleOf } from '../rules.js';
import { assignActivations } from './assign.js';
import { rewriteInt8 } from './rewrite.js';

export type TfliteQuantResult = QuantResult;

/**
 * Quantizes a float TFLite-domain model (as `importTflite` reads it) to int8 TFLite with the stages an
 * ONNX model goes through: equalization (--equalize), the plan from the builtins' int8 rules, calibration
 * (in LiteRT), weights (B16's bias fit included), bias correction (--bias_correction), activation
 * parameters, then the rewrite: the same ops in the same order, int8 where TFLite has an int8 kernel, with
 * QUANTIZE/DEQUANTIZE where float meets int8. Samples feed inputs by name, in the model's own (NHWC)
 * layout. What differs from ONNX: the TFLite int8 spec ties some tensors' parameters together
 * (assign.ts), and the rewrite writes int8 tensors rather than QDQ.
 */
export async function quantizeTfliteModel(
  model: Model,
  s: QuantSettings,
  source: SampleSource,
  hooks: QuantHooks = {},
): Promise<TfliteQuantResult> {
  const foreign = model.graph.nodes.find((n) => n.domain !== 'tflite');
  if (model.format !== 'tflite' || foreign)
    throw new TypeError(`quantizeTfliteModel takes a TFLite-domain model (node '${foreign?.name}' is not)`);
  // The measured form reads each layer's float output beside the quantized one, which a QDQ graph has
  // and int8 TFLite (the output already requantized) does not.
  if (s.biasCorrection === 'measured' || s.biasCorrection === 'chain')
    throw new InvalidOptionError(
      'bias_correction',
      `'${s.biasCorrection}' takes an ONNX input; for a TFLite input use true`,
    );
  const inputs = model.graph.inputs.map((v) => v.name);
  checkNamedScales(s.inputScale, inputs);
  const equalized = s.equalize ? await equalize(model, s, source, hooks) : undefined;
  const floatModel = { ...model, graph: equalized?.graph ?? model.graph };
  let g = floatModel.graph;
  const types = elementTypes(g);
  let plan = planQuantization(g, types, s);
  const floatInputs = inputs.filter((name) => types.get(name) === 'float32');
  const tensors = [...new Set([...floatInputs, ...groupedTensors(g, plan)])];
  const { ranges, histograms } = await (hooks.calibrate ?? calibrateStats)(floatModel, tensors, source, {
    method: s.calibMethod,
    percentile: s.percentile,
    onSample: hooks.onSample,
    signal: hooks.signal,
  });
  const inputScales = resolveInputScales(s, floatInputs, ranges);
  const wSettings = weightSettingsOf(s);
  const weights = quantizeAllWeights(g, plan, wSettings);
  const corrected = s.biasCorrection
    ? await correctWeightRounding(floatModel, g, plan, weights, source, hooks.signal)
    : undefined;
  if (corrected) {
    g = corrected.graph;
    plan = planQuantization(g, elementTypes(g), s);
  }
  const acts = assignActivations(g, plan, ranges, {
    scheme: s.scheme,
    inputScales: new Map(Object.entries(inputScales).map(([k, v]) => [k, 1 / v])),
    baseInputScale: inputScales[floatInputs[0]!] ?? 1,
    histograms: s.pow2Exponents === 'error' ? histograms : undefined,
  });
  fitB16Biases(g, plan, acts.params, weights, wSettings);
  const graph = rewriteInt8(g, plan, acts, weights, wSettings);
  return {
    model: { ...model, quantScheme: quantSchemeOf(s), graph },
    activations: acts.params,
    weights: new Map([...weights].map(([k, w]) => [k, w.params])),
    ranges,
    float: plan.float,
    inputScales,
    floatReference: floatModel,
    equalization: equalized?.report,
    biasCorrection: corrected?.report,
  };
}

/**
 * Every activation an int8 node reads or writes: the spec's ties (assign.ts) give a group of tensors the
 * union of their ranges, so each member is observed.
 */
function groupedTensors(g: Graph, plan: QuantPlan): string[] {
  const tensors = new Set<string>();
  for (const node of g.nodes) {
    if (!plan.quantized.has(node)) continue;
    for (const i of quantRuleOf(node)!.activations(node, g))
      if (!g.initializers.has(node.inputs[i]!)) tensors.add(node.inputs[i]!);
    for (const o of node.outputs) if (o) tensors.add(o);
  }
  return [...tensors];
}
