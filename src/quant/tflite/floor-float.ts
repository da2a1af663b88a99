/**
 * pow2 --rounding floor with --bias_correction measured: each conv/FC bias of the converted graph settled
 * so that the device's pre-activation mean per output channel is the float model's (Nagel et al. 2019's
 * empirical bias correction, run as the truncating device). floor-measured.ts settles the device against
 * its rounding twin, which already carries the weight and activation rounding: the twin's own mean shifts
 * stay. Against the float model the one figure holds them all at once (the layer's weight rounding, the
 * rounding and truncation of everything before it), as --bias_correction measured does for rounding
 * targets in ONNX Runtime (bias-measured.ts), whose pre-activation means it matches.
 *
 * The device's int8 outputs are past the fused activation (a ReLU clips what a bias move shifts), so the
 * pre-activation mean is worked out from the input instead, which is exact since a conv is linear: the
 * mean over output positions of Σ w (x - z_in) is Σ w times the input's mean at each tap (zero in the
 * padding), from the input's mean over the samples per position. The device computes floor((acc + b) /
 * 2^k): its mean sits at (acc + b - 2^(k-1)) / 2^k (the B16 bias carries that offset already, B8 as far
 * as whole output steps allow), and that, times the output step, is compared with the float layer's.
 *
 * The converter names each conv/FC output as the float tensor it holds (the activation's output where one
 * is fused; the pre-activation tensor is that Relu's or Clip's input). Layers without one keep their
 * biases. Tails (a LOGISTIC or HARD_SWISH head, floor-measured.ts) settle their end's mean to the float
 * model's output. Layers are settled depth by depth (settle-passes.ts' order), in one sweep of the device
 * over the samples (device-sweep.ts). Each error is a mean over the samples of per-sample errors, drawn
 * towards 0 by its noise (shrunkError).
 */
import { attrInt } from '../../ir/attrs.js';
import { indexGraph, type Graph, type Model, type Node } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { getOp } from '../../ops/index.js';
import { windowGeometry, PADDING } from '../../runtime/integer/kernels/common/window.js';
import { clampInt, type BiasMode } from '../params.js';
import { shrunkError } from '../settle-passes.js';
import { settleBySweep, sweepDevice } from './device-sweep.js';
import {
  biasedLayers,
  MAX_PASSES,
  settleTails,
  tailsOf,
  type FloorFeeds,
  type Layer,
  type MeasuredShifts,
  type Tail,
} from './floor-measured.js';
import { moveBias } from './floor-shift.js';

/** A float tensor whose mean per channel is asked for: channel axis 1 (NCHW conv values) or the last. */
export interface ChannelRequest {
  name: string;
  channelsLast: boolean;
}

/** The float model a floor run settles against, run on the samples the device runs, in the same order. */
export interface FloatReference {
  /** Its graph, whose tensor names the converter kept. */
  graph: Graph;
  /** Each requested tensor's mean per channel on each sample, in order (names it lacks are left out). */
  means(requests: ChannelRequest[]): Promise<Map<string, Float64Array[]>>;
}

/** A layer with the float tensor its pre-activation mean settles to. */
interface Targeted extends Layer {
  float: ChannelRequest;
}

export async function measureFloatShifts(
  model: Model,
  biasMode: BiasMode,
  samples: () => AsyncIterable<FloorFeeds>,
  reference: FloatReference,
): Promise<MeasuredShifts> {
  const { layers, tails, target } = await targets(model, reference);
  const watched = [...new Set([...layers.map((l) => l.node.inputs[0]!), ...tails.map((t) => t.end)])];
  // One sweep of the device in depth order (device-sweep.ts) gives each layer's input with every
  // shallower layer settled, as the pass-by-pass settle (settle-passes.ts) did with a whole device run
  // per depth.
  const readers = new Map<string, Targeted[]>();
  for (const l of layers) readers.set(l.node.inputs[0]!, [...(readers.get(l.node.inputs[0]!) ?? []), l]);
  // Per sample: each layer's pre-activation means, and the channel means of the tails' ends.
  const sampled = new Map<Targeted, Float64Array[]>(layers.map((l) => [l, []]));
  const ends = new Map<string, Float64Array[]>(tails.map((t) => [t.end, []]));
  const endNames = new Set(ends.keys());
  const keep = tails.length ? Math.min(...tails.map((t) => t.layer.depth)) : undefined;
  const options = { scheme: 'pow2', rounding: 'floor', biasMode } as const;
  const swept = await settleBySweep(
    model,
    layers,
    { watched, options, samples, keep },
    {
      maxPasses: MAX_PASSES,
      onValue: (name, t, current) => {
        for (const l of readers.get(name) ?? []) {
          const a = accumulatorsOf(current.graph, l, t);
          if (a) sampled.get(l)!.push(a);
        }
        if (endNames.has(name)) ends.get(name)!.push(lastAxisMeans(t));
      },
      move: (g, l) => {
        const delta = biasDelta(g, l, sampled.get(l)!, target.get(l.float.name)!, biasMode);
        return !!delta && moveBias(g, l.node, delta, l.scales, biasMode);
      },
    },
  );
  const goals = tailGoals(model.graph, tails, ends, target);
  const endMeans = async (m: Model) => {
    const seen = new Map<string, Float64Array[]>(tails.map((t) => [t.end, []]));
    await sweepDevice(m, [...seen.keys()], options, swept.frontier ?? samples, {
      onValue: (name, t) => seen.get(name)!.push(lastAxisMeans(t)),
    });
    return new Map([...seen].map(([end, means]) => [end, averaged(means)]));
  };
  const device = new Map([...ends].map(([end, means]) => [end, averaged(means)]));
  const tailed = await settleTails(
    swept.model,
    tails.filter((t) => goals.has(t.end)),
    biasMode,
    { device, target: goals, means: endMeans },
  );
  return {
    model: tailed.model,
    corrected: swept.corrected + tailed.corrected,
    passes: swept.passes + tailed.passes,
  };
}

/**
 * The conv/FC layers and tails that have a float tensor to settle to, and each such tensor's channel
 * means per sample (a layer whose float tensor has another channel count is left out).
 */
async function targets(model: Model, reference: FloatReference) {
  const fi = indexGraph(reference.graph);
  const targeted = biasedLayers(model).flatMap((l): Targeted[] => {
    const name = preActivation(l.node, fi.producer.get(l.node.outputs[0]!));
    return name ? [{ ...l, float: { name, channelsLast: l.node.opType === 'FULLY_CONNECTED' } }] : [];
  });
  const tails = tailsOf(model, targeted).flatMap((t) => {
    const name = floatEnd(model.graph, t.end, fi.producer);
    return name ? [{ ...t, float: { name, channelsLast: t.layer.node.opType === 'FULLY_CONNECTED' } }] : [];
  });
  const target = await reference.means([...targeted.map((l) => l.float), ...tails.map((t) => t.float)]);
  const layers = targeted.filter((l) =>
    target.get(l.float.name)?.every((f) => f.length === outputChannels(model.graph, l.node)),
  );
  return { layers, tails, target };
}

/**
 * Where each tail's end should be on average: the device's mean less its error against the float output
 * (in the end's int8 steps: the float value over the step, plus the zero point), drawn towards 0 as the
 * layers' errors are. `ends`: the device's channel means per sample; `target`: the float model's.
 */
function tailGoals(
  g: Graph,
  tails: (Tail & { float: ChannelRequest })[],
  ends: Map<string, Float64Array[]>,
  target: Map<string, Float64Array[]>,
): Map<string, Float64Array> {
  return new Map(
    tails.flatMap((t) => {
      const [f, q, d] = [target.get(t.float.name), g.quantOf(t.end), ends.get(t.end)];
      if (!f?.length || !q || d?.length !== f.length || f[0]!.length !== d[0]!.length) return [];
      const step = (v: number) => v / q.scale[0]! + (q.zeroPoint[0] ?? 0);
      const errors = (c: number) => d.map((x, s) => x[c]! - step(f[s]![c]!));
      return [[t.end, averaged(d).map((v, c) => v - shrunkError(errors(c)))] as const];
    }),
  );
}

/** The mean of equal-length vectors. */
function averaged(vs: Float64Array[]): Float64Array {
  const out = new Float64Array(vs[0]?.length ?? 0);
  for (const v of vs) v.forEach((x, i) => (out[i]! += x / vs.length));
  return out;
}

/** Mean per channel (last axis) of an int8 tensor. */
function lastAxisMeans(t: Tensor): Float64Array {
  const channels = t.dims.at(-1) ?? 1;
  const s = new Float64Array(channels);
  (t.data as Int8Array).forEach((v, i) => (s[i % channels]! += v));
  return s.map((v) => (v * channels) / t.data.length);
}

/**
 * The float tensor a conv/FC's accumulator stands for: its output when nothing is fused (`producer` is the
 * float op that makes it), else the input of the fused activation's float op.
 */
function preActivation(node: Node, producer: Node | undefined): string | undefined {
  if (!producer) return undefined;
  if (attrInt(node, 'fused_activation_function', 0) === 0) return node.outputs[0];
  // The float op the converter fused (RELU, RELU_N1_TO_1, RELU6): an op that names a fused activation.
  return getOp(producer.opType, producer.domain)?.fusedActivation ? producer.inputs[0] : undefined;
}

/** The float tensor a tail's end holds: itself, or the model output its DEQUANTIZE writes. */
function floatEnd(g: Graph, end: string, producer: Map<string, Node>): string | undefined {
  if (producer.has(end)) return end;
  const dq = g.nodes.find((n) => n.opType === 'DEQUANTIZE' && n.inputs[0] === end);
  return dq && producer.has(dq.outputs[0]!) ? dq.outputs[0] : undefined;
}

function outputChannels(g: Graph, node: Node): number | undefined {
  const w = g.initializers.get(node.inputs[1] ?? '');
  return node.opType === 'DEPTHWISE_CONV_2D' ? w?.dims.at(-1) : w?.dims[0];
}

/** One sample's value at each position (int8 steps, zero point included), and its dims. */
interface MeanMap {
  dims: number[];
  mean: Float64Array;
}

/** Σ w (x - z_in) per output channel, averaged over output positions, for one sample's input `x`. */
function accumulatorsOf(g: Graph, l: Layer, x: Tensor): Float64Array | undefined {
  const w = g.initializers.get(l.node.inputs[1]!);
  const zIn = g.quantOf(l.node.inputs[0]!)?.zeroPoint[0] ?? 0;
  const map = { dims: [...x.dims], mean: Float64Array.from(x.data as Int8Array) };
  return w?.dtype === 'int8' && w.quant?.scale.length ? accumulatorMeans(l.node, w, map, zIn) : undefined;
}

/**
 * The bias move (accumulator steps, per output channel) that puts the device's pre-activation mean on the
 * float layer's: the new bias is the one the device adds now (B16: clamped to int16; B8: in whole output
 * steps) less the mean error e over the accumulator step. `acc` and `floats` hold one vector per sample;
 * e is drawn towards 0 as far as its noise calls for, by 1 - v / e^2 (v: the variance of the mean of the
 * per-sample errors): an FC channel sees one value a sample, and on 32 samples the weight-rounding noise
 * of a narrow layer (MMoE's towers) can pass for a shift.
 */
function biasDelta(
  g: Graph,
  l: Layer,
  acc: Float64Array[],
  floats: Float64Array[],
  biasMode: BiasMode,
): ((c: number) => number) | undefined {
  const w = g.initializers.get(l.node.inputs[1]!);
  const b = g.initializers.get(l.node.inputs[2] ?? '');
  if (!w?.quant?.scale.length || b?.dtype !== 'int32' || !acc.length || acc.length !== floats.length)
    return undefined;
  const bias = b.data as Int32Array;
  const sW = w.quant.scale;
  const [sIn, sOut] = l.scales;
  return (c) => {
    const sAcc = sIn * Math.fround(sW[sW.length === 1 ? 0 : c]!);
    const ratio = sAcc / sOut;
    const now =
      biasMode === 'B16'
        ? clampInt(bias[c]!, -32768, 32767)
        : clampInt(roundHalfAway(bias[c]! * ratio), -128, 127) / ratio;
    // floor() loses half an output step on average where it shifts right.
    const half = ratio < 1 ? 0.5 / ratio : 0;
    const errors = acc.map((a, s) => a[c]! + now - half - floats[s]![c]! / sAcc);
    return now - bias[c]! - shrunkError(errors);
  };
}

const roundHalfAway = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));

/**
 * Mean over output positions of each output channel's Σ w (x - z_in), from the input's mean map. FC
 * filters are [O, K] (rows of the input's last K values); CONV_2D [O, KH, KW, C / groups];
 * DEPTHWISE_CONV_2D [1, KH, KW, C M] (output channel c reads input channel c / M).
 */
function accumulatorMeans(node: Node, w: Tensor, x: MeanMap, zIn: number): Float64Array | undefined {
  const wd = w.data as Int8Array;
  if (node.opType === 'FULLY_CONNECTED') {
    const [O, K] = w.dims as [number, number];
    const m = new Float64Array(K);
    x.mean.forEach((v, i) => (m[i % K]! += v - zIn));
    const rows = x.mean.length / K;
    const out = new Float64Array(O);
    for (let c = 0; c < O; c++) for (let j = 0; j < K; j++) out[c]! += (wd[c * K + j]! * m[j]!) / rows;
    return out;
  }
  if (x.dims.length !== 4 || w.dims.length !== 4) return undefined;
  const [, KH, KW] = w.dims as [number, number, number, number];
  const taps = tapSums(node, x, zIn, KH, KW);
  const C = x.dims[3]!;
  const depthwise = node.opType === 'DEPTHWISE_CONV_2D';
  const O = depthwise ? w.dims[3]! : w.dims[0]!;
  const IC = depthwise ? 1 : w.dims[3]!;
  const perGroup = depthwise ? O / C : O / (C / IC);
  const out = new Float64Array(O);
  for (let c = 0; c < O; c++) {
    const first = Math.floor(c / perGroup) * IC;
    for (let t = 0; t < KH * KW; t++)
      for (let i = 0; i < IC; i++) {
        const wv = depthwise ? wd[t * O + c]! : wd[(c * KH * KW + t) * IC + i]!;
        out[c]! += wv * taps.sums[t * C + first + i]!;
      }
    out[c]! /= taps.positions;
  }
  return out;
}

/**
 * For each tap (kh, kw) and input channel, Σ over output positions of the mean input (less z_in) it reads:
 * nothing where the window reaches into SAME padding, which holds z_in. Batch images are averaged first.
 */
function tapSums(node: Node, x: MeanMap, zIn: number, KH: number, KW: number) {
  const [N, H, W, C] = x.dims as [number, number, number, number];
  const a = {
    kH: KH,
    kW: KW,
    strideH: attrInt(node, 'stride_h', 1),
    strideW: attrInt(node, 'stride_w', 1),
    dilationH: attrInt(node, 'dilation_h_factor', 1),
    dilationW: attrInt(node, 'dilation_w_factor', 1),
    padding: attrInt(node, 'padding', PADDING.SAME),
  };
  const geo = windowGeometry(H, W, a);
  const image = new Float64Array(H * W * C);
  x.mean.forEach((v, i) => (image[i % image.length]! += (v - zIn) / N));
  const sums = new Float64Array(KH * KW * C);
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++) {
      const at = (kh * KW + kw) * C;
      for (let oh = 0; oh < geo.outH; oh++) {
        const ih = oh * a.strideH + kh * a.dilationH - geo.padTop;
        if (ih < 0 || ih >= H) continue;
        for (let ow = 0; ow < geo.outW; ow++) {
          const iw = ow * a.strideW + kw * a.dilationW - geo.padLeft;
          if (iw < 0 || iw >= W) continue;
          for (let ch = 0, p = (ih * W + iw) * C; ch < C; ch++) sums[at + ch]! += image[p + ch]!;
        }
      }
    }
  return { sums, positions: geo.outH * geo.outW };
}
