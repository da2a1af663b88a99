/**
 * --bias_correction measured: empirical bias correction against the float model (Nagel et al. 2019,
 * section 4.2, with the shift measured instead of derived), for --rounding nearest, both schemes.
 *
 * For each quantized Conv/Gemm, e_c = mean(y_q - y) per output channel over the calibration samples, where
 * y is the layer's output in the float model and y_q the same tensor in the QDQ graph (ONNX Runtime at
 * 'basic', so the QDQ arithmetic is unfused and the layer's float output is there to read): the layer's
 * bias moves by -e_c. That one figure holds everything that shifts the layer's mean: its own weight
 * rounding (what --bias_correction true corrects), the rounding of its input and of every activation
 * before it (on PP-OCRv4 det's flat paper an early channel is a constant that its grid rounds the same way
 * on most of the page, and no later layer averages that away), and its bias's own rounding. Measured at
 * the output, taps in zero padding count as what they are, as in bias-shift.ts.
 *
 * Layers are settled depth by depth (settle-passes.ts): each pass runs the QDQ graph once over the
 * samples, and one pass more runs the float model. The .onnx and the .tflite converted from it hold the
 * same corrected int32 biases. The int32 steps are s_in s_w (affine, pow2 B16: clamped to int16 there) or
 * the output's step (pow2 B8), so B8 corrects only as far as whole output steps allow.
 */
import type { Graph, Model } from '../ir/graph.js';
import { correctBiases, isCorrectable, type BiasCorrectionReport } from './bias-correction.js';
import type { SampleSource } from './calibrate.js';
import type { QuantPlan } from './assign.js';
import { ChannelMeanObserver } from './observers.js';
import { createModelSession } from '../runtime/ort-model.js';
import { layerDepths, settleByDepth } from './settle-passes.js';

/**
 * Passes over the samples that settle layers (one depth each); one more measures where they leave the
 * model. Layers past it keep their biases.
 */
export const MAX_BIAS_PASSES = 48;

export interface MeasuredBiasOptions {
  source: SampleSource;
  signal?: AbortSignal;
  /** After each pass: passes run, layers settled, layers in all. */
  onPass?(passes: number, settled: number, total: number): void;
  maxPasses?: number;
}

export interface MeasuredBiases {
  /** The float graph with the corrected biases (quantize it again with its own plan). */
  graph: Graph;
  report: BiasCorrectionReport;
}

/**
 * `floatModel` names its tensors as `g` does; `build` quantizes a float graph like `g` (its plan redone)
 * into the QDQ graph that is written.
 */
export async function measureBiases(
  floatModel: Model,
  g: Graph,
  plan: QuantPlan,
  build: (g: Graph) => Graph,
  o: MeasuredBiasOptions,
): Promise<MeasuredBiases> {
  const layers = layerDepths(g, (n) => plan.quantized.has(n) && isCorrectable(n, g)).map((l) => ({
    ...l,
    output: l.node.outputs[0]!,
  }));
  const outputs = layers.map((l) => l.output);
  const convs = new Set(layers.filter((l) => l.node.opType === 'Conv').map((l) => l.output));
  const target = await outputMeans(floatModel, outputs, convs, o);
  const shifts = new Map<string, Float64Array>();
  let current = { graph: g, report: { corrected: [] } as BiasCorrectionReport };
  let seen = new Map<string, Float64Array>();
  const error = (y: string) => seen.get(y)!.map((v, c) => v - target.get(y)![c]!);
  const passes = await settleByDepth(layers, {
    maxPasses: o.maxPasses ?? MAX_BIAS_PASSES,
    onPass: o.onPass,
    measure: async () => {
      seen = await outputMeans({ ...floatModel, graph: build(current.graph) }, outputs, convs, o);
      return (l) => seen.has(l.output) && target.has(l.output);
    },
    settle: (now) => {
      for (const l of now) shifts.set(l.output, error(l.output));
      current = correctBiases(g, plan, shifts);
    },
  });
  return { graph: current.graph, report: { ...current.report, passes } };
}

/**
 * Mean per channel (axis 1) of each named float tensor over the samples. Conv outputs are averaged
 * in the graph (GlobalAveragePool: one number per channel and sample crosses to JS), others read whole.
 */
async function outputMeans(
  model: Model,
  names: string[],
  convs: Set<string>,
  o: MeasuredBiasOptions,
): Promise<Map<string, Float64Array>> {
  const g = model.graph.clone();
  const taken = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
  for (const n of g.nodes) for (const v of [...n.inputs, ...n.outputs]) taken.add(v);
  const read = new Map<string, string>();
  for (const name of names) {
    let out = name;
    if (convs.has(name)) {
      out = `${name}_channel_mean`;
      for (let i = 1; taken.has(out); i++) out = `${name}_channel_mean_${i}`;
      taken.add(out);
      g.nodes.push({
        name: out,
        opType: 'GlobalAveragePool',
        domain: '',
        inputs: [name],
        outputs: [out],
        attrs: {},
      });
    }
    if (!g.outputs.some((v) => v.name === out)) g.outputs.push({ name: out });
    read.set(out, name);
  }
  const session = await createModelSession({ ...model, graph: g }, { graphOptimizationLevel: 'basic' });
  const observers = new Map([...read.keys()].map((k) => [k, new ChannelMeanObserver()]));
  try {
    for await (const feeds of o.source.samples()) {
      o.signal?.throwIfAborted();
      const result = await session.run(feeds, [...read.keys()]);
      for (const [k, t] of Object.entries(result))
        if (t.dtype === 'float32') observers.get(k)?.observe(t.data as Float32Array, t.dims);
    }
  } finally {
    await session.close();
  }
  return new Map([...observers].map(([k, obs]) => [read.get(k)!, obs.means()]));
}
