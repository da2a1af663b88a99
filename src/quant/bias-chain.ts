import { indexGraph, subgraphsOf, topoSort, type Graph, type Model, type Node } from '../ir/graph.js';
import { getOp } from '../ops/index.js';
import { createModelSession } from '../runtime/ort-model.js';
import { steadyShifts, type ShiftStats } from './bias-shift.js';
import type { SampleSource } from './calibrate.js';
import { ChannelMeanObserver } from './observers.js';
import { weightedError } from './settle-passes.js';

/**
 * --bias_correction chain: the mean shift each layer's own quantization causes, activation rounding
 * included, measured in one run of the float model once the activations have their parameters. For each
 * quantized Conv/Gemm, its QDQ form (int8 weights, int32 bias) applied to its input as the QDQ graph
 * computes it locally from float values, against the float layer. "Locally": the QDQ graph's nodes back
 * from the layer's input to the nearest accumulating layers (Conv, Gemm, MatMul, ConvTranspose; their
 * descriptors' `accumulates`) or model inputs, every Q/DQ pair and value op between (a HardSwish's
 * halves, an Add, a Resize) as the QDQ graph has them, fed by those layers' float outputs. A layer's shift
 * so holds its weights' and bias's rounding (what --bias_correction true measures) and the rounding of
 * every activation since the layers before it, once each; what earlier layers' errors do after nonlinear
 * ops is left out (--bias_correction measured settles that, layer after layer, at 15-35 times the cost).
 * The float model with the QDQ graph's chains beside it (each value op copied once, each layer twinned
 * once) runs in ONNX Runtime at 'basic' (the QDQ arithmetic unfused, as bias-measured.ts).
 *
 * Each channel's shift is the mean of its per-sample means drawn towards 0 by their noise (weightedError,
 * bias-measured.ts's rule): on PP-OCRv4 det the paper's grey differs from page to page and a constant
 * channel's rounding error with it, and only the part the pages share is a bias's to correct. Figures
 * (bench/det-chain.ts; README, Bias correction): det affine text-mask IoU on three calibration sets
 * 0.9636 / 0.9591 / 0.9549 -> 0.9708 / 0.9749 / 0.9710 (.onnx), PP-OCRv4 rec affine CER on 30:101 2.00
 * -> 2.09 (.onnx), 2.18 -> 2.12 (.tflite), on 30:404 6.05 -> 4.42, 6.30 -> 4.64; PaddleOCR cls +0.5 dB,
 * MMoE +0.5 / +0.1 dB, mobilenet_v1_bn -0.7 dB (affine, against --bias_correction true). Without its
 * early stages in int16, det reads 0.943 / 0.816 / 0.867 (not 0.95); under pow2 B16 it loses on every set.
 */

/** The probe: the float model with the twins, and which fetched value is which layer's statistic. */
export interface ChainProbe {
  model: Model;
  outputs: Map<string, { layer: string; as: 'mean' | 'square' | 'whole' }>;
}

/**
 * `float`: the float model `qdq` was built from (node names as there; HardSwish split alike). `layers`:
 * the float graph's output names of the layers to measure.
 */
export function chainProbe(float: Model, qdq: Graph, layers: readonly string[]): ChainProbe {
  const g = float.graph.clone();
  const floatIndex = indexGraph(float.graph);
  const taken = new Set<string>([...g.initializers.keys(), ...g.inputs.map((v) => v.name)]);
  for (const n of g.nodes) for (const v of [...n.inputs, ...n.outputs]) taken.add(v);
  for (const n of qdq.nodes) for (const v of [...n.inputs, ...n.outputs]) taken.add(v);
  for (const k of qdq.initializers.keys()) taken.add(k);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
    taken.add(name);
    return name;
  };
  const floatByName = new Map(float.graph.nodes.filter((n) => n.name).map((n) => [n.name, n]));
  // The float node a QDQ node is: same name and op, else the one with the same first output.
  const floatNode = (n: Node): Node | undefined => {
    const byName = n.name ? floatByName.get(n.name) : undefined;
    if (byName?.opType === n.opType) return byName;
    const byOutput = floatIndex.producer.get(n.outputs[0] ?? '');
    return byOutput?.opType === n.opType ? byOutput : undefined;
  };
  const wanted = new Set(layers);
  const floatInputs = new Set(float.graph.inputs.map((v) => v.name));
  // A value of the QDQ graph as the copy reads it: a float tensor (boundaries, model inputs), a renamed
  // initializer, or a renamed node output.
  const rename = new Map<string, string>();
  const read = (v: string): string => {
    if (!v) return v;
    const known = rename.get(v);
    if (known !== undefined) return known;
    const init = qdq.initializers.get(v);
    if (init) {
      const name = fresh(`${v}_chain`);
      g.initializers.set(name, init);
      rename.set(v, name);
      return name;
    }
    if (floatInputs.has(v)) return v;
    throw new Error(`chain probe: ${v} is read before it is made`);
  };
  const copies: Node[] = [];
  const twins = new Map<string, string>(); // layer output (float name) -> twin output
  for (const n of topoSort(qdq)) {
    const f = floatNode(n);
    const boundary = subgraphsOf(n).length > 0 || getOp(n.opType, n.domain)?.quant?.accumulates === true;
    if (boundary && f) {
      const layer = f.outputs[0]!;
      if (wanted.has(layer)) {
        const twin = fresh(`${layer}_chain_twin`);
        copies.push({ ...n, name: twin, inputs: n.inputs.map(read), outputs: [twin] });
        twins.set(layer, twin);
      }
      n.outputs.forEach((o, i) => o && rename.set(o, f.outputs[i]!));
      continue;
    }
    const inputs = n.inputs.map(read);
    const outputs = n.outputs.map((o) => (o ? fresh(`${o}_chain`) : o));
    n.outputs.forEach((o, i) => o && rename.set(o, outputs[i]!));
    copies.push({ ...n, name: fresh(`${n.name || n.opType}_chain`), inputs, outputs });
  }
  // Only what the twins read.
  const needed = new Set(twins.values());
  const producer = new Map(copies.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const keep = new Set<Node>();
  const stack = [...needed];
  while (stack.length) {
    const node = producer.get(stack.pop()!);
    if (!node || keep.has(node)) continue;
    keep.add(node);
    stack.push(...node.inputs.filter(Boolean));
  }
  g.nodes.push(...copies.filter((n) => keep.has(n)));
  const readByKept = new Set(copies.filter((n) => keep.has(n)).flatMap((n) => n.inputs));
  for (const [v, name] of rename)
    if (qdq.initializers.has(v) && !readByKept.has(name)) g.initializers.delete(name);
  const outputs: ChainProbe['outputs'] = new Map();
  const add = (opType: string, inputs: string[], base: string) => {
    const out = fresh(base);
    g.nodes.push({ name: out, opType, domain: '', inputs, outputs: [out], attrs: {} });
    return out;
  };
  for (const [layer, twin] of twins) {
    const diff = add('Sub', [twin, layer], `${layer}_chain_shift`);
    const conv = floatIndex.producer.get(layer)?.opType === 'Conv';
    if (!conv) {
      outputs.set(diff, { layer, as: 'whole' });
      continue;
    }
    outputs.set(add('GlobalAveragePool', [diff], `${layer}_chain_shift_mean`), { layer, as: 'mean' });
    const square = add('Mul', [diff, diff], `${layer}_chain_shift_squared`);
    outputs.set(add('GlobalAveragePool', [square], `${layer}_chain_shift_square_mean`), {
      layer,
      as: 'square',
    });
  }
  for (const name of outputs.keys()) g.outputs.push({ name });
  return { model: { ...float, graph: g }, outputs };
}

/** Per layer (float output name): mean and mean square per output channel of the chain twin's shift. */
export async function measureChainShifts(
  float: Model,
  qdq: Graph,
  layers: readonly string[],
  source: SampleSource,
  signal?: AbortSignal,
): Promise<Map<string, ShiftStats & { perSample: Float64Array[] }>> {
  if (!layers.length) return new Map();
  const probe = chainProbe(float, qdq, layers);
  const stats = new Map(
    [...new Set([...probe.outputs.values()].map((o) => o.layer))].map((l) => [
      l,
      { mean: new ChannelMeanObserver(), square: new ChannelMeanObserver(), perSample: [] as Float64Array[] },
    ]),
  );
  const session = await createModelSession(probe.model, { graphOptimizationLevel: 'basic' });
  try {
    const fetches = [...probe.outputs.keys()];
    for await (const feeds of source.samples()) {
      signal?.throwIfAborted();
      const result = await session.run(feeds, fetches);
      for (const [name, t] of Object.entries(result)) {
        const read = probe.outputs.get(name);
        const s = read && stats.get(read.layer);
        if (!s || t.dtype !== 'float32') continue;
        const data = t.data as Float32Array;
        if (read.as === 'square') s.square.observe(data, t.dims);
        else {
          s.mean.observe(data, t.dims);
          const one = new ChannelMeanObserver();
          one.observe(data, t.dims);
          s.perSample.push(one.means());
        }
        if (read.as === 'whole')
          s.square.observe(
            data.map((v) => v * v),
            t.dims,
          );
      }
    }
  } finally {
    await session.close();
  }
  return new Map(
    [...stats].map(([layer, { mean, square, perSample }]) => [
      layer,
      { mean: mean.means(), meanSquare: square.means(), perSample },
    ]),
  );
}

/** Per layer, the shift to take off its bias by `rule` (see the header): 0 where the rule keeps none. */
export function chainShifts(
  stats: Map<string, ShiftStats & { perSample: Float64Array[] }>,
  rule: ChainRule = 'weighted',
): Map<string, Float64Array> {
  if (rule === 'steady') return steadyShifts(stats);
  const perPage = (s: { mean: Float64Array; perSample: Float64Array[] }, c: number) => {
    const xs = s.perSample.map((x) => x[c]!);
    const m = s.mean[c]!;
    return m * m >= xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length ? m : 0;
  };
  return new Map(
    [...stats].map(([layer, s]) => [
      layer,
      rule === 'all'
        ? s.mean
        : rule === 'pages'
          ? s.mean.map((_, c) => perPage(s, c))
          : s.mean.map((_, c) => weightedError(s.perSample.map((x) => x[c]!))),
    ]),
  );
}

export type ChainRule = 'steady' | 'all' | 'weighted' | 'pages';
