/**
 * pow2 on truncating hardware (`--rounding floor`) with calibration data: the mean shifts that ops without
 * a bias leave in the inputs of conv/FC layers, measured rather than predicted (floor-shift.ts predicts
 * them from each op's arithmetic, assuming evenly spread residues).
 *
 * The device (every shift truncating) runs next to its twin: the same file with every shift rounded half
 * up except the conv/FC rescales, which truncate as on the device (Arithmetic.accumulatorRounding). The
 * conv/FC biases already carry their own rounding offset, so the two compute the same numbers up to the
 * first op without a bias, and from there differ exactly by what the truncation of such ops costs: an
 * SE gate multiplying a ReLU's zeros (whose products truncate to nothing), a MUL -> SUM mixture (MMoE),
 * a table past its input's mean. Per input channel j of each conv/FC, mu_j = mean(device - twin) in input
 * steps over the samples, and the bias moves by -Σ w_cj mu_j (empirical bias correction, Nagel et al.
 * 2019, against the rounding twin instead of the float model).
 *
 * Correcting a layer changes what reaches the layers after it, so layers are settled depth by depth
 * (settle-passes.ts' order): the shallowest layers whose input still differs from the twin's, at most
 * MAX_PASSES depths. One sweep of the device over the samples in depth order (device-sweep.ts) measures
 * each depth's inputs with every shallower depth settled, as a whole device run per settled depth did.
 */
import { indexGraph, type Graph, type Model, type Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { builtinOf } from '../../tflite/ops/index.js';
import { outputShift, type BiasMode } from '../params.js';
import { layerDepths } from '../settle-passes.js';
import { settleBySweep, sweepDevice, type Frontier } from './device-sweep.js';
import { moveBias } from './floor-shift.js';
import { stopwatch } from '../../util/timing.js';

export type FloorFeeds = Record<string, Tensor>;

export interface MeasuredShifts {
  model: Model;
  /** Conv/FC biases moved. */
  corrected: number;
  /** Device runs over the samples it took. */
  passes: number;
}

/**
 * `model`: a converted TFLite-domain pow2 model with --rounding floor biases; `samples`: calibration
 * feeds in the model's own layout (its runtime inputs by name).
 */
export async function measureFloorShifts(
  model: Model,
  biasMode: BiasMode,
  samples: () => AsyncIterable<FloorFeeds>,
): Promise<MeasuredShifts> {
  const layers = biasedLayers(model);
  const tails = tailsOf(model, layers);
  const watched = [...new Set([...layers.map((l) => l.node.inputs[0]!), ...tails.map((t) => t.end)])];
  const lap = stopwatch('floor measure');
  const target = await channelMeans(model, watched, biasMode, true, samples);
  lap('twin sweep');
  // One sweep of the device in depth order (device-sweep.ts) makes the measurements and moves of the
  // pass-by-pass settle (settle-passes.ts), which ran the whole device once per moving depth: PP-OCRv4 det
  // at 640x640 on 30 pages took 40 runs and 498 s of CPU for the floor step, the sweeps (twin and device)
  // 10 s of CPU each, the whole step 39 s (the rest is the judge's runs, outputs.ts).
  const device = new MeanSums();
  const mu = (l: Layer) => shrunk(device.means(l.node.inputs[0]!), target.get(l.node.inputs[0]!));
  // The tails' run starts where the device's sweep reached their layers (the values before them are the
  // same): det's head is its last depth.
  const keep = tails.length ? Math.min(...tails.map((t) => t.layer.depth)) : undefined;
  const swept = await settleBySweep(
    model,
    layers,
    { watched, options: deviceOptions(biasMode, false), samples, keep },
    {
      maxPasses: MAX_PASSES,
      onValue: (name, t) => device.add(name, t),
      // A depth whose inputs the device already gives as the twin does moves nothing and takes no pass.
      differs: (l) => !!mu(l)?.some((v) => v !== 0),
      move: (g, l) => {
        const delta = inputDelta(g.initializers.get(l.node.inputs[1]!)!, l.node.opType, mu(l)!);
        return !!delta && moveBias(g, l.node, delta, l.scales, biasMode);
      },
    },
  );
  lap('device sweep');
  const tailed = await settleTails(swept.model, tails, biasMode, {
    device: device.all(watched),
    target,
    means: (m) =>
      channelMeans(
        m,
        tails.map((t) => t.end),
        biasMode,
        false,
        swept.frontier ?? samples,
      ),
  });
  lap('tails');
  return {
    model: tailed.model,
    corrected: swept.corrected + tailed.corrected,
    passes: swept.passes + tailed.passes,
  };
}

/**
 * Conv/FC levels settled at most (each that sees a shift: PP-OCR cls, HardSwish throughout, takes 53 on 32
 * lines; each was one whole device run over the samples, some 31 s of CPU, before device-sweep.ts made them
 * one sweep: 19 -> 2 s of CPU for its floor corrections). Levels past the budget keep their
 * conv/FC rounding offsets alone: correcting them against unsettled inputs would count the shifts
 * upstream twice, and setting every level at once from one run diverged on cls (-0.4 dB on its
 * calibration lines). Partial corrections can measure worse than none; the run's judge then drops them.
 */
export const MAX_PASSES = 64;

export interface Layer {
  node: Node;
  /** Conv/FC layers on the longest path before it. */
  depth: number;
  /** Input and output scales (per tensor). */
  scales: [number, number];
}

/**
 * A conv/FC whose output reaches a model output through ops without a bias that keep its channels (a
 * LOGISTIC or HARD_SWISH head, a requantize): nothing after it can cancel what their truncation loses,
 * so its own bias has to, through the function's slope.
 */
export interface Tail {
  layer: Layer;
  /** The last int8 value of the chain (a model output, or what the output's DEQUANTIZE reads). */
  end: string;
}

export function tailsOf(model: Model, layers: Layer[]): Tail[] {
  const g = model.graph;
  const index = indexGraph(g);
  const channels = (v: string) => {
    const t = g.typeOf(v);
    return t?.kind === 'tensor' ? t.shape?.at(-1) : undefined;
  };
  const tails: Tail[] = [];
  for (const layer of layers) {
    let end = layer.node.outputs[0]!;
    let table = false;
    for (;;) {
      const next = index.consumers.get(end) ?? [];
      const step = next.length === 1 && !index.graphOutputs.has(end) ? next[0]! : undefined;
      const kind = step && builtinOf(step.opType)?.floorShift;
      if (!step || step.opType === 'DEQUANTIZE' || (kind !== 'table' && kind !== 'exact')) break;
      table ||= kind === 'table';
      end = step.outputs[0]!;
    }
    const last = index.consumers.get(end) ?? [];
    const output =
      index.graphOutputs.has(end) ||
      (last.length === 1 && last[0]!.opType === 'DEQUANTIZE' && index.graphOutputs.has(last[0]!.outputs[0]!));
    const same = channels(end) !== undefined && channels(end) === channels(layer.node.outputs[0]!);
    if (table && output && same && g.quantOf(end)?.scale.length === 1) tails.push({ layer, end });
  }
  return tails;
}

/**
 * Moves each tail layer's bias so that its chain's end has the target's mean (the twin's, or the float
 * model's: floor-float.ts): the end's mean error e_c (in its steps) over the response r_c to one output
 * step of the layer, measured by one more device run (`means`: the device's channel means) with every
 * tail bias raised a step (secant: the function's mean slope where the values are).
 */
export async function settleTails(
  model: Model,
  tails: Tail[],
  biasMode: BiasMode,
  m: {
    device: Map<string, Float64Array>;
    target: Map<string, Float64Array>;
    means: (model: Model) => Promise<Map<string, Float64Array>>;
  },
): Promise<{ model: Model; corrected: number; passes: number }> {
  const error = (t: Tail) => difference(m.device.get(t.end), m.target.get(t.end));
  const open = tails.filter((t) => error(t)?.some((v) => v !== 0));
  if (!open.length) return { model, corrected: 0, passes: 0 };
  const raised = model.graph.clone();
  for (const t of open)
    moveBias(raised, t.layer.node, (c) => stepOf(raised, t.layer, c), t.layer.scales, biasMode);
  const after = await m.means({ ...model, graph: raised });
  const g = model.graph.clone();
  let corrected = 0;
  for (const t of open) {
    const [e, up] = [error(t)!, difference(after.get(t.end), m.device.get(t.end))!];
    // A slope too flat to measure on these samples (a saturated function): leave the channel alone.
    const steps = (c: number) => (up[c]! > 0.05 ? Math.max(-2, Math.min(2, -e[c]! / up[c]!)) : 0);
    if (moveBias(g, t.layer.node, (c) => steps(c) * stepOf(g, t.layer, c), t.layer.scales, biasMode))
      corrected++;
  }
  return { model: { ...model, graph: g }, corrected, passes: 1 };
}

/** One output step of a conv/FC in accumulator steps: 2^k for its channel c. */
function stepOf(g: Graph, layer: Layer, c: number): number {
  const wq = g.initializers.get(layer.node.inputs[1]!)?.quant;
  const sW = wq?.scale.length ? Math.fround(wq.scale[wq.scale.length === 1 ? 0 : c]!) : 1;
  return 2 ** outputShift(layer.scales[1], layer.scales[0] * sW);
}

/** The conv/FC layers with an int8 input and output on one scale each, with their depth. */
export function biasedLayers(model: Model): Layer[] {
  const g = model.graph;
  const biased = (node: Node) => builtinOf(node.opType)?.floorShift === 'biased';
  return layerDepths(g, biased).flatMap(({ node, depth }) => {
    const [sIn, sOut] = [g.quantOf(node.inputs[0] ?? ''), g.quantOf(node.outputs[0] ?? '')];
    return sIn?.scale.length === 1 && sOut?.scale.length === 1
      ? [
          {
            node,
            depth,
            scales: [Math.fround(sIn.scale[0]!), Math.fround(sOut.scale[0]!)] as [number, number],
          },
        ]
      : [];
  });
}

/**
 * Mean of each watched int8 value per channel (last axis), in steps, over the samples: the device
 * (every shift truncating) or its twin (conv/FC truncating, every other shift rounded half up).
 */
async function channelMeans(
  model: Model,
  watched: string[],
  biasMode: BiasMode,
  twin: boolean,
  samples: (() => AsyncIterable<FloorFeeds>) | Frontier,
): Promise<Map<string, Means>> {
  const sums = new MeanSums();
  await sweepDevice(model, watched, deviceOptions(biasMode, twin), samples, {
    onValue: (name, t) => sums.add(name, t),
  });
  return sums.all(watched);
}

function deviceOptions(biasMode: BiasMode, twin: boolean) {
  return twin
    ? ({ scheme: 'pow2', rounding: 'nearest', accumulatorRounding: 'floor', biasMode } as const)
    : ({ scheme: 'pow2', rounding: 'floor', biasMode } as const);
}

/** Sums per channel (last axis) of int8 values over the samples, and their means once all are in. */
class MeanSums {
  private sums = new Map<string, Float64Array>();
  private counts = new Map<string, number>();
  private done = new Map<string, Means>();

  add(name: string, t: Tensor): void {
    const channels = t.dims.at(-1) ?? 1;
    const s = this.sums.get(name) ?? new Float64Array(channels);
    const data = t.data as Int8Array;
    // Position by position, not i % channels: 2.4 of 12 s of CPU on det 320's sweeps went to the modulo
    // loop. Sums of int8 in float64 are exact, so the order does not change them.
    for (let p = 0; p < data.length; p += channels) for (let c = 0; c < channels; c++) s[c]! += data[p + c]!;
    this.sums.set(name, s);
    this.counts.set(name, (this.counts.get(name) ?? 0) + data.length / channels);
    this.done.delete(name);
  }

  means(name: string): Means | undefined {
    const s = this.sums.get(name);
    if (!s) return undefined;
    let m = this.done.get(name);
    if (!m) {
      const count = this.counts.get(name)!;
      m = Object.assign(
        s.map((v) => v / count),
        { count },
      );
      this.done.set(name, m);
    }
    return m;
  }

  /** The means of these values (those given). */
  all(names: string[]): Map<string, Means> {
    const out = new Map<string, Means>();
    for (const name of names) {
      const m = this.means(name);
      if (m) out.set(name, m);
    }
    return out;
  }
}

/** Channel means of a value, and how many values each channel's mean is over. */
type Means = Float64Array & { count: number };

function difference(a: Float64Array | undefined, b: Float64Array | undefined): Float64Array | undefined {
  return a && b && a.length === b.length ? a.map((v, i) => v - b[i]!) : undefined;
}

/**
 * device - twin per channel, each channel's figure drawn towards the mean over channels as far as its
 * noise calls for (James-Stein): a difference of at most a step per value has a variance of at most 1/4,
 * so a channel's mean over n values is noisy by 1/(4n); where the channels differ by no more than that
 * (a pooled feature vector on 32 samples, whose truncation loses the same on every channel), the common
 * mean stands for each, and where they differ more (an SE gate, a concatenation of unlike parts), their
 * own means count.
 */
function shrunk(device: Means | undefined, twin: Means | undefined): Float64Array | undefined {
  const d = difference(device, twin);
  if (!d || !device) return undefined;
  const common = d.reduce((a, v) => a + v, 0) / d.length;
  const spread = d.reduce((a, v) => a + (v - common) ** 2, 0) / Math.max(1, d.length - 1);
  const noise = 1 / (4 * device.count);
  const own = spread > noise ? 1 - noise / spread : 0;
  return d.map((v) => common + own * (v - common));
}

/**
 * What an input lower by mu_j (per input channel) adds to each output channel's accumulator, negated:
 * -Σ w_cj mu_j. Filters are OHWI (CONV_2D), [O, K] (FC; an input whose last axis is not K contributes
 * its mean over channels) or [1, H, W, C M] (depthwise: output channel c reads input channel c / M).
 */
function inputDelta(w: Tensor, op: string, mu: Float64Array): ((c: number) => number) | undefined {
  if (w.dtype !== 'int8') return undefined;
  const data = w.data as Int8Array;
  const depthwise = op === 'DEPTHWISE_CONV_2D';
  const outs = depthwise ? (w.dims.at(-1) ?? 1) : (w.dims[0] ?? 1);
  const inner = depthwise ? outs : (w.dims.at(-1) ?? 1);
  const flat = mu.reduce((a, v) => a + v, 0) / mu.length;
  const muOf = depthwise
    ? (j: number) => mu[Math.floor((j * mu.length) / outs)] ?? flat
    : (j: number) => (mu.length === inner ? mu[j]! : flat);
  const delta = new Float64Array(outs);
  const per = data.length / outs;
  for (let i = 0; i < data.length; i++) {
    const c = depthwise ? i % outs : Math.floor(i / per);
    delta[c]! -= data[i]! * muOf(i % inner);
  }
  return (c) => delta[c]!;
}
