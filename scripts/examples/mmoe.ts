import { int } from '../../src/ir/attrs.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder, int64s } from './builder.js';
import { Zipf, type Random } from './random.js';

export const MMOE = {
  dense: 16,
  fields: 4,
  vocab: 40000,
  embed: 8,
  experts: 3,
  expertHidden: 64,
  expertOut: 32,
  towerHidden: 16,
} as const;
/** Each task's output and its base rate (mean prediction): a click-through and a conversion rate. */
const TASKS = [
  ['ctr', 0.1],
  ['cvr', 0.03],
] as const;

export interface MmoeSample {
  dense: Float32Array;
  ids: number[];
}

/**
 * The input distribution of the recommender: 16 standardized dense features (half correlated Gaussians,
 * half standardized log-normal counts with their long right tail) and 4 categorical fields sharing one
 * embedding table, each field owning a quarter of its rows with Zipf-distributed popularity.
 */
export class MmoeData {
  private readonly mixing: Float64Array;
  private readonly sigmas: number[];
  private readonly zipfs: Zipf[];
  readonly rowsPerField = MMOE.vocab / MMOE.fields;

  constructor(rng: Random) {
    const g = MMOE.dense / 2;
    this.mixing = new Float64Array(g * g);
    for (let i = 0; i < g; i++) {
      let norm = 0;
      for (let j = 0; j < g; j++) {
        this.mixing[i * g + j] = rng.normal() + (i === j ? 2 : 0);
        norm += this.mixing[i * g + j]! ** 2;
      }
      // Unit-norm rows keep each mixed feature at variance 1 (standardized).
      for (let j = 0; j < g; j++) this.mixing[i * g + j] = this.mixing[i * g + j]! / Math.sqrt(norm);
    }
    this.sigmas = Array.from({ length: MMOE.dense - g }, () => rng.range(0.5, 1.0));
    this.zipfs = Array.from({ length: MMOE.fields }, () => new Zipf(this.rowsPerField, rng.range(0.9, 1.3)));
  }

  sample(rng: Random): MmoeSample {
    const g = MMOE.dense / 2;
    const dense = new Float32Array(MMOE.dense);
    const z = Array.from({ length: g }, () => rng.normal());
    for (let i = 0; i < g; i++) {
      let v = 0;
      for (let j = 0; j < g; j++) v += this.mixing[i * g + j]! * z[j]!;
      dense[i] = v;
    }
    this.sigmas.forEach((s, i) => {
      const mean = Math.exp((s * s) / 2);
      const sd = Math.sqrt((Math.exp(s * s) - 1) * Math.exp(s * s));
      dense[g + i] = (Math.exp(s * rng.normal()) - mean) / sd;
    });
    const ids = this.zipfs.map((zipf, field) => field * this.rowsPerField + zipf.sample(rng));
    return { dense, ids };
  }
}

type Layer = { w: Float64Array; b: Float64Array; inDim: number; outDim: number };

/**
 * The multi-gate mixture-of-experts (Ma et al., KDD 2018) as DeepCTR writes it: embeddings looked up
 * with Gather and concatenated with the dense features, experts as MLPs (MatMul + Add + Relu, as a
 * TensorFlow export has them), one softmax gate per task (Gemm + Softmax), the experts stacked and summed
 * with the gate's weights (Unsqueeze, Mul, ReduceSum), and a Gemm tower per task ending in a Sigmoid.
 * Gate and output layers are scaled on `calibration` samples so that gates mix experts differently from
 * sample to sample and each task's predictions spread around its base rate.
 */
export function buildMmoe(rng: Random, calibration: MmoeSample[]): Model {
  const b = new GraphBuilder('mmoe');
  const dense = b.input('dense', 'float32', ['N', MMOE.dense]);
  const ids = b.input('ids', 'int64', ['N', MMOE.fields]);
  const table = embeddingTable(rng);
  const weight = b.init('embedding.weight', Tensor.float32([MMOE.vocab, MMOE.embed], table));
  const looked = b.node('Gather', 'embedding', [weight, ids], { axis: int(0) });
  const flat = b.node('Flatten', 'embedding_flat', [looked], { axis: int(1) });
  const features = b.node('Concat', 'features', [dense, flat], { axis: int(1) });
  const xs = calibration.map((s) => [
    ...s.dense,
    ...s.ids.flatMap((id) => Array.from(table.subarray(id * MMOE.embed, (id + 1) * MMOE.embed))),
  ]);
  const experts = addExperts(rng, b, features, xs);
  for (const [task, rate] of TASKS) addTask(rng, b, { task, rate, features, xs, experts });
  return b.model(
    'Multi-gate mixture-of-experts recommender (MMoE), two tasks; synthetic weights (model-quant example)',
  );
}

/** Frequent ids end up with larger, well-trained vectors; rare ones stay near their small initial values. */
function embeddingTable(rng: Random): Float32Array {
  const rows = MMOE.vocab / MMOE.fields;
  const table = new Float32Array(MMOE.vocab * MMOE.embed);
  for (let id = 0; id < MMOE.vocab; id++) {
    const std = 0.1 + 0.5 / Math.sqrt(1 + (id % rows) / 10);
    for (let k = 0; k < MMOE.embed; k++) table[id * MMOE.embed + k] = rng.normal(0, std);
  }
  return table;
}

interface Experts {
  /** The experts' outputs stacked, [N, experts, expertOut]. */
  stacked: string;
  /** Their values on the calibration inputs: [expert][sample][unit]. */
  values: number[][][];
}

function addExperts(rng: Random, b: GraphBuilder, features: string, xs: number[][]): Experts {
  const outs: string[] = [];
  const values: number[][][] = [];
  for (let e = 0; e < MMOE.experts; e++) {
    const l1 = dense2(rng, xs[0]!.length, MMOE.expertHidden);
    const l2 = dense2(rng, MMOE.expertHidden, MMOE.expertOut);
    const h = matMulAddRelu(b, `expert${e}_fc2`, matMulAddRelu(b, `expert${e}_fc1`, features, l1), l2);
    const axes = b.init(`expert${e}_unsqueeze.axes`, int64s([1]));
    outs.push(b.node('Unsqueeze', `expert${e}_unsqueeze`, [h, axes]));
    values.push(xs.map((x) => relu(apply(l2, relu(apply(l1, x))))));
  }
  return { stacked: b.node('Concat', 'experts', outs, { axis: int(1) }), values };
}

interface TaskSpec {
  task: string;
  rate: number;
  features: string;
  xs: number[][];
  experts: Experts;
}

/** A task's gate, its weighted sum of the experts (DeepCTR: reduce_sum(experts * gate[..., None], 1)) and its tower. */
function addTask(rng: Random, b: GraphBuilder, { task, rate, features, xs, experts }: TaskSpec): void {
  const gate = dense2(rng, xs[0]!.length, MMOE.experts);
  scaleTo(gate, xs, 1.5, () => rng.normal(0, 0.3));
  const logits = gemm(b, `${task}_gate_fc`, features, gate);
  const probs = b.node('Softmax', `${task}_gate`, [logits], { axis: int(1) });
  const weights = b.node('Unsqueeze', `${task}_gate_unsqueeze`, [
    probs,
    b.init(`${task}_gate_unsqueeze.axes`, int64s([2])),
  ]);
  const weighted = b.node('Mul', `${task}_weighted`, [experts.stacked, weights]);
  const sumAxes = b.init(`${task}_mix.axes`, int64s([1]));
  const mixed = b.node('ReduceSum', `${task}_mix`, [weighted, sumAxes], { keepdims: int(0) });
  const mixedValues = xs.map((x, n) => {
    const p = softmax(apply(gate, x));
    return Array.from({ length: MMOE.expertOut }, (_, k) =>
      p.reduce((acc, pe, e) => acc + pe * experts.values[e]![n]![k]!, 0),
    );
  });
  const t1 = dense2(rng, MMOE.expertOut, MMOE.towerHidden);
  const t2 = dense2(rng, MMOE.towerHidden, 1);
  scaleTo(
    t2,
    mixedValues.map((m) => relu(apply(t1, m))),
    1.2,
    () => Math.log(rate / (1 - rate)),
  );
  const h = b.node('Relu', `${task}_tower_relu`, [gemm(b, `${task}_tower_fc1`, mixed, t1)]);
  b.node('Sigmoid', `${task}_sigmoid`, [gemm(b, `${task}_tower_fc2`, h, t2)], {}, task);
  b.output(task, 'float32', ['N', 1]);
}

/** He-normal weights [in, out], small positive biases (what ReLU layers tend to learn). */
function dense2(rng: Random, inDim: number, outDim: number): Layer {
  const w = new Float64Array(inDim * outDim);
  for (let i = 0; i < w.length; i++) w[i] = Math.fround(rng.normal(0, Math.sqrt(2 / inDim)));
  const b = new Float64Array(outDim);
  for (let o = 0; o < outDim; o++) b[o] = Math.fround(rng.normal(0.02, 0.05));
  return { w, b, inDim, outDim };
}

function apply(l: Layer, x: ArrayLike<number>): number[] {
  const out = Array.from(l.b);
  for (let i = 0; i < l.inDim; i++)
    for (let o = 0; o < l.outDim; o++) out[o] += x[i]! * l.w[i * l.outDim + o]!;
  return out;
}

const relu = (v: number[]) => v.map((x) => Math.max(0, x));

function softmax(v: number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, c) => a + c, 0);
  return e.map((x) => x / s);
}

/** Rescales a layer so its outputs have standard deviation `std` on `inputs`, then re-centers them at `center()`. */
function scaleTo(l: Layer, inputs: ArrayLike<number>[], std: number, center: () => number): void {
  const outs = inputs.map((x) => apply(l, x));
  for (let o = 0; o < l.outDim; o++) {
    const col = outs.map((v) => v[o]!);
    const mean = col.reduce((a, c) => a + c, 0) / col.length;
    const sd = Math.sqrt(col.reduce((a, c) => a + (c - mean) ** 2, 0) / col.length);
    const gain = std / sd;
    for (let i = 0; i < l.inDim; i++) l.w[i * l.outDim + o] = Math.fround(l.w[i * l.outDim + o]! * gain);
    l.b[o] = Math.fround((l.b[o]! - mean) * gain + center());
  }
}

function matMulAddRelu(b: GraphBuilder, name: string, x: string, l: Layer): string {
  const w = b.init(`${name}.weight`, Tensor.float32([l.inDim, l.outDim], l.w));
  const mm = b.node('MatMul', `${name}_matmul`, [x, w]);
  const add = b.node('Add', `${name}_add`, [mm, b.init(`${name}.bias`, Tensor.float32([l.outDim], l.b))]);
  return b.node('Relu', `${name}_relu`, [add]);
}

/** Gemm with weights stored [out, in] (transB), as PyTorch's Linear exports. */
function gemm(b: GraphBuilder, name: string, x: string, l: Layer): string {
  const t = new Float32Array(l.inDim * l.outDim);
  for (let i = 0; i < l.inDim; i++)
    for (let o = 0; o < l.outDim; o++) t[o * l.inDim + i] = l.w[i * l.outDim + o]!;
  const w = b.init(`${name}.weight`, Tensor.float32([l.outDim, l.inDim], t));
  return b.node('Gemm', name, [x, w, b.init(`${name}.bias`, Tensor.float32([l.outDim], l.b))], {
    transB: int(1),
  });
}
