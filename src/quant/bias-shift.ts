import type { Model, Node, ValueType } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { floatProbe, type Feeds, type SampleSource } from './calibrate.js';
import { ChannelMeanObserver } from './observers.js';

/**
 * The mean shift weight rounding causes in each layer's output, measured: the layer's own op (ONNX Conv
 * or Gemm, TFLite CONV_2D, DEPTHWISE_CONV_2D or FULLY_CONNECTED, with every attribute: pads, strides,
 * dilations, groups) applied to its float input with the weight error W_q - W in place of W and no bias,
 * averaged per output channel over the calibration samples. The op is linear in W, so this is exactly
 * mean(conv(x, W_q) - conv(x, W)) on those samples, borders included: a kernel tap that lands in padding
 * reads 0, as the layer does (in affine files the padding is the zero point, real 0), where a formula
 * from the input's channel means would count that tap as reading the mean (on PP-OCRv4 rec, whose maps
 * are a few rows high, most taps of the later 3x3 convs are such taps).
 *
 * A bias moves every position alike, so only a steady shift is worth cancelling: a channel's shift is kept
 * where its mean is at least its spread over positions and samples (mean^2 >= variance, i.e. the mean
 * carries at least half of the shift's mean square) and read as 0 elsewhere. Where the layer's input is 0
 * on part of the map (PP-OCRv4 rec's lines are padded with zeros to 320 wide) the float output there is
 * its bias exactly, and a bias lowered by the mean shift of the other positions is wrong there: correcting
 * every channel of rec's first conv cost 3 dB of output SQNR (15.0 -> 12.0) and per-position top-1
 * agreement 97.2 -> 95.5 % on 200 held-out lines, this rule keeps the gain elsewhere (15.2 dB, 97.3 %).
 * On PP-OCRv4 det's flat paper the shifts are steady and stay (text-mask IoU at 320 x 288: 0.847 without,
 * 0.862 every channel, 0.870 steady ones).
 *
 * The twins measure on the first samples only, as many as hold TWIN_VALUES input values (at least one),
 * and run on an empty batch for the rest (twinsGate): a twin costs about what its layer costs, and on
 * PP-OCRv4 det at 640x640 the 62 twins took 4 s of the 10.7 s CPU that calibration over 32 pages took.
 */

/**
 * Input values per sample summed over the samples the twins measure on: eight 3x640x640 pages (PP-OCRv4 det
 * at 640x640: 8 of 32 pages, its stride-32 convs still averaging 400 positions a page). Smaller inputs
 * measure on every sample up to 213 rec lines (3x48x320), 65 images at 3x224x224 or 50 det pages at
 * 3x256x256, so their files are as before at the sample counts they are calibrated with. Det text-mask
 * IoU at 640x640 (bench/det-mask.ts, 12 held-out pages, .onnx / .tflite), every calibration page -> the
 * first 8: drawn 12 pages 0.9636 / 0.9621 -> 0.9598 / 0.9608, spread 12 0.9591 / 0.9598 -> 0.9599 /
 * 0.9592, drawn 24 0.9549 / 0.9564 -> 0.9542 / 0.9548.
 */
export const TWIN_VALUES = 8 * 3 * 640 * 640;

/** One layer to measure: its node (inputs named as in the float graph) and W_q - W in its weight's layout. */
export interface ShiftLayer {
  node: Node;
  /** W_q - W, flat in the weight initializer's order, with its dims. */
  error: Float32Array;
  dims: readonly number[];
}

/** A layer's twin output per channel over the samples: its mean, and the mean of its square. */
export interface ShiftStats {
  mean: Float64Array;
  meanSquare: Float64Array;
}

/**
 * Per layer (by node output name): mean and mean square over the samples of (its op with W_q - W)(x) per
 * output channel. One run of the float model over the samples, with each layer's twin beside it in the
 * same session.
 */
export async function measureShifts(
  model: Model,
  layers: ShiftLayer[],
  source: SampleSource,
  signal?: AbortSignal,
  twinValues = TWIN_VALUES,
): Promise<Map<string, ShiftStats>> {
  if (!layers.length) return new Map();
  const twins = shiftTwins(model, layers, twinValues);
  const probe = await floatProbe(twins.model, twins.outputs);
  try {
    let index = 0;
    for await (const feeds of source.samples()) {
      signal?.throwIfAborted();
      const fed = { ...feeds, ...twins.feeds(index++, feeds) };
      for (const [name, data, dims] of await probe.run(fed)) twins.observe(name, data, dims);
    }
  } finally {
    await probe.close();
  }
  return twins.stats();
}

/**
 * measureShifts in parts, for a pass over the samples that runs the float model anyway (calibration,
 * calibrate.ts `alongside`): `model` is the float model with the twins, `outputs` the values to hand to
 * `observe` on each sample, and `stats` what measureShifts returns once every sample was observed.
 */
export interface ShiftTwins {
  model: Model;
  outputs: string[];
  /**
   * What to feed `model` beside sample `index` (counted from 0, `sample` its feeds): the gate that lets the
   * twins run on it or not (twinsGate); empty when the model has none.
   */
  feeds(index: number, sample: Feeds): Feeds;
  observe(name: string, data: Float32Array, dims: readonly number[]): void;
  stats(): Map<string, ShiftStats>;
}

/** `twinValues`: TWIN_VALUES but in tests. */
export function shiftTwins(model: Model, layers: ShiftLayer[], twinValues = TWIN_VALUES): ShiftTwins {
  const { probe, outputs, gate } = withTwins(model, layers);
  const last = model.format === 'tflite';
  const stats = new Map(layers.map(({ node }) => [node.outputs[0]!, twinStats(last)]));
  return {
    model: probe,
    outputs: [...outputs.keys()],
    feeds: (index, sample) => (gate ? { [gate]: twinsGate(index, sample, twinValues) } : {}),
    observe(name, data, dims) {
      // A sample the gate skipped: empty batches.
      if (!data.length) return;
      const read = outputs.get(name);
      const { mean, square } = stats.get(read?.layer ?? '') ?? {};
      if (!read || !mean || !square) return;
      if (read.as === 'square') square.observe(data, dims);
      else mean.observe(data, dims);
      // A twin read whole (Gemm, TFLite) is squared here; ONNX Conv twins square in the graph.
      if (read.as === 'whole')
        square.observe(
          data.map((v) => v * v),
          dims,
        );
    },
    stats: () =>
      new Map(
        [...stats].map(([layer, { mean, square }]) => [
          layer,
          { mean: mean.means(), meanSquare: square.means() },
        ]),
      ),
  };
}

const twinStats = (last: boolean) => ({
  mean: new ChannelMeanObserver(last),
  square: new ChannelMeanObserver(last),
});

/**
 * The gate fed beside sample `index`: the batch length the twins keep, the whole batch (GATE_OPEN, past
 * any batch: Slice clamps it) where they run on it (the samples before it and it hold at most
 * TWIN_VALUES values at its size, or it is the first), else 0 (an empty batch). A function of the index
 * and the sample's size only, so every pass feeds it alike.
 */
export function twinsGate(index: number, sample: Feeds, twinValues = TWIN_VALUES): Tensor {
  const values = Object.values(sample).reduce((n, t) => n + (t.dtype === 'float32' ? t.size : 0), 0);
  const on = index === 0 || (index + 1) * values <= twinValues;
  return Tensor.int64([1], [on ? GATE_OPEN : 0]);
}

/** The gate's value where the twins run: Slice's `ends` past any batch (a sample may hold several). */
export const GATE_OPEN = Number.MAX_SAFE_INTEGER;

/** The shift to correct per layer: each channel's mean where it is steady (mean^2 >= variance), else 0. */
export function steadyShifts(stats: Map<string, ShiftStats>): Map<string, Float64Array> {
  return new Map(
    [...stats].map(([layer, { mean, meanSquare }]) => [
      layer,
      mean.map((m, c) => (2 * m * m >= meanSquare[c]! ? m : 0)),
    ]),
  );
}

/**
 * The float model with, for each layer, a twin node reading the same input with W_q - W and no bias or
 * fused activation. ONNX Conv twins end in GlobalAveragePools of the twin and of its square (two values
 * per channel and sample cross to JS), and read their input through a Slice of its batch to the length
 * fed as `gate` (an int64 [1] input: GATE_OPEN or 0, twinsGate), so that on a sample the gate skips they run on an
 * empty batch and cost nothing (ONNX Runtime computes every node of a session whatever is fetched); on a
 * sample they run on, their values are those of the unsliced input. Gemm and TFLite twins are read whole
 * (a TFLite model is observed in full anyway) and run on every sample.
 */
function withTwins(
  model: Model,
  layers: ShiftLayer[],
): { probe: Model; outputs: Map<string, TwinOutput>; gate?: string } {
  const g = model.graph.clone();
  const taken = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
  for (const n of g.nodes) for (const v of [...n.inputs, ...n.outputs]) taken.add(v);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const outputs = new Map<string, TwinOutput>();
  let gate: string | undefined;
  let zero = '';
  // Per twin input, its gated Slice (twins of one input share it).
  const gated = new Map<string, string>();
  const gatedInput = (x: string): string => {
    if (!gate) {
      gate = fresh('rounding_twins_gate');
      g.inputs.push({ name: gate, type: { kind: 'tensor', dtype: 'int64', shape: [1] } });
      zero = fresh('rounding_twins_zero');
      g.initializers.set(zero, Tensor.int64([1], [0]));
    }
    let sliced = gated.get(x);
    if (!sliced) {
      sliced = fresh(`${x}_gated`);
      gated.set(x, sliced);
      g.nodes.push({
        name: sliced,
        opType: 'Slice',
        domain: '',
        inputs: [x, zero, gate, zero],
        outputs: [sliced],
        attrs: {},
      });
    }
    return sliced;
  };
  for (const { node, error, dims } of layers) {
    const out = node.outputs[0]!;
    const w = fresh(`${out}_weight_error`);
    g.initializers.set(w, Tensor.float32(dims, error));
    const twin = fresh(`${out}_rounding_shift`);
    const inputs = [node.inputs[0]!, w];
    if (node.domain === 'tflite') {
      const b = fresh(`${out}_zero_bias`);
      const channels = node.opType === 'DEPTHWISE_CONV_2D' ? dims.at(-1)! : dims[0]!;
      g.initializers.set(b, Tensor.float32([channels], new Float32Array(channels)));
      const attrs = { ...node.attrs, fused_activation_function: { kind: 'int' as const, value: 0 } };
      // The TFLite writer types every tensor: the twin's output is shaped as the layer's.
      const shape = typeShape(g.typeOf(out));
      g.valueInfo.set(twin, { name: twin, type: { kind: 'tensor', dtype: 'float32', shape } });
      g.nodes.push({
        name: twin,
        opType: node.opType,
        domain: 'tflite',
        inputs: [...inputs, b],
        outputs: [twin],
        attrs,
      });
      outputs.set(twin, { layer: out, as: 'whole' });
    } else if (node.opType === 'Gemm') {
      const { beta: _, ...attrs } = node.attrs;
      g.nodes.push({ name: twin, opType: 'Gemm', domain: '', inputs, outputs: [twin], attrs });
      outputs.set(twin, { layer: out, as: 'whole' });
    } else {
      g.nodes.push({
        name: twin,
        opType: node.opType,
        domain: node.domain,
        inputs: [gatedInput(node.inputs[0]!), w],
        outputs: [twin],
        attrs: node.attrs,
      });
      const mean = fresh(`${out}_rounding_shift_mean`);
      g.nodes.push({
        name: mean,
        opType: 'GlobalAveragePool',
        domain: '',
        inputs: [twin],
        outputs: [mean],
        attrs: {},
      });
      outputs.set(mean, { layer: out, as: 'mean' });
      const squared = fresh(`${out}_rounding_shift_squared`);
      const square = fresh(`${out}_rounding_shift_square_mean`);
      g.nodes.push(
        { name: squared, opType: 'Mul', domain: '', inputs: [twin, twin], outputs: [squared], attrs: {} },
        {
          name: square,
          opType: 'GlobalAveragePool',
          domain: '',
          inputs: [squared],
          outputs: [square],
          attrs: {},
        },
      );
      outputs.set(square, { layer: out, as: 'square' });
    }
  }
  return { probe: { ...model, graph: g }, outputs, ...(gate ? { gate } : {}) };
}

/** A probe output: a twin's per-channel mean or mean square (ONNX Conv), or the whole twin output. */
interface TwinOutput {
  layer: string;
  as: 'mean' | 'square' | 'whole';
}

const typeShape = (t: ValueType | undefined) => (t?.kind === 'tensor' ? t.shape : undefined);
