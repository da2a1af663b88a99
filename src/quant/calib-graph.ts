import { int, ints } from '../ir/attrs.js';
import { opsetVersion, type Attribute, type Model, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';

/**
 * The calibration graph with the reduction done by ONNX Runtime: for each large calibrated tensor, what
 * crosses into JavaScript per sample is its min and max and, for the percentile method, only the runs of
 * values that can still hold some of the largest magnitudes of all samples, instead of the whole activation
 * map (a 640x640 detector sample is 84 million values over 179 tensors).
 *
 * Per tensor x, viewed as rows of `row` neighbouring values ([R, row]; Flatten at `axis` when the size is
 * not known):
 * - row maxima and minima (ReduceMax/ReduceMin), from which the tensor's min and max;
 * - percentile: each row's largest magnitude; the rows whose magnitude passes the tensor's cutoff, all
 *   their values (Compress). The cutoff is the larger of the fed one and, where the fed `useK` is 1, the
 *   k-th largest row magnitude (TopK): the first sample, before any cutoff is known, so that it sends a
 *   fixed share of its rows. Every value not sent is at most that cutoff.
 *
 * Output `stats`: per tensor, in `tensors` order, [min, max] or (percentile) [min, max, cutoff applied,
 * values sent, element count], float64 (exact for float32 values and counts below 2^53). Output `values`:
 * the sent values, tensor after tensor. The `direct` tensors are plain outputs besides.
 *
 * The order matters to memory: ONNX Runtime orders nodes by a depth-first walk back from the outputs, so
 * each tensor's reductions all lead into its own part of `stats`, the first output, and the tensors come
 * in the order the graph computes them: each map is reduced as soon as it exists and freed after. Split
 * into several outputs (mins, maxs, ...), the reductions of the later outputs ran at the end and kept every
 * map alive (PP-OCRv4 det at 640x640: 554 MB peak RSS against 259 MB, and page faults that made the first
 * runs cost 1.4 s each against 0.26 s).
 */
export interface ReducedOutputs {
  stats: string;
  /** Numbers per tensor in `stats`. */
  width: number;
  /** Percentile, fed per tensor: the cutoff (float32 [1]), the rank k (int64 [1]), 1 to use it or 0. */
  feeds?: { cutoff: string; k: string; useK: string }[];
  /** Fed (float32 [1]) where some row count is unknown: the share of rows k takes for those. */
  share?: string;
  values?: string;
}

export interface ReducedTensor {
  name: string;
  /** Rows of this many values (Reshape to [-1, row]); or, when undefined, Flatten at `axis`. */
  row?: number;
  axis: number;
  /** The row count, where the size is known. */
  rows?: number;
}

const P = '__calib';
const F64 = { to: int(11) };

/** The model with the reductions of `tensors` (in the order the graph computes them) appended. */
export function reducedCalibrationModel(
  model: Model,
  tensors: ReducedTensor[],
  percentile: boolean,
  direct: string[] = [],
): { model: Model; outputs: ReducedOutputs } {
  const g = model.graph.clone();
  const b = new GraphBuilder(g, opsetVersion(model) ?? 13);
  const flat = b.constant('flat', new Tensor('int64', [1], BigInt64Array.of(-1n)));
  const one = b.constant('one', new Tensor('int64', [1], BigInt64Array.of(1n)));
  const feeds: NonNullable<ReducedOutputs['feeds']> = [];
  const share = () => {
    if (!g.inputs.some((v) => v.name === `${P}/share`))
      g.inputs.push({ name: `${P}/share`, type: { kind: 'tensor', dtype: 'float32', shape: [1] } });
    return `${P}/share`;
  };
  const values: string[] = [];
  const stats = tensors.map((t, i) => {
    const p = `${P}/${i}`;
    const shape = t.row === undefined ? undefined : b.constant(`row${t.row}`, int64([-1, t.row]));
    const rows =
      shape === undefined
        ? b.add('Flatten', [t.name], `${p}/rows`, { axis: int(t.axis) })
        : b.add('Reshape', [t.name, shape], `${p}/rows`);
    const rowMax = b.reduce('ReduceMax', rows, `${p}/rowmax`, [1], false);
    const rowMin = b.reduce('ReduceMin', rows, `${p}/rowmin`, [1], false);
    const wide = (x: string, name: string) => b.add('Cast', [x], `${p}/${name}64`, F64);
    const parts = [
      wide(b.reduce('ReduceMin', rowMin, `${p}/min`, undefined, true), 'min'),
      wide(b.reduce('ReduceMax', rowMax, `${p}/max`, undefined, true), 'max'),
    ];
    if (percentile) {
      const input = (name: string, dtype: 'float32' | 'int64') => {
        g.inputs.push({ name: `${p}/${name}`, type: { kind: 'tensor', dtype, shape: [1] } });
        return `${p}/${name}`;
      };
      const fed = {
        cutoff: input('cutoff', 'float32'),
        k: input('k', 'int64'),
        useK: input('use_k', 'float32'),
      };
      feeds.push(fed);
      const mags = b.add('Max', [rowMax, b.add('Neg', [rowMin], `${p}/-rowmin`)], `${p}/rowmag`);
      // Row count unknown until run: k from the fed share of it (at least the fed k).
      const k = t.rows !== undefined ? fed.k : shareOfRows(b, mags, fed.k, share(), p);
      const [top] = b.topK(mags, k, `${p}/top`);
      const kth = b.reduce('ReduceMin', top, `${p}/kth`, undefined, true);
      const cut = b.add('Max', [fed.cutoff, b.add('Mul', [kth, fed.useK], `${p}/kth_used`)], `${p}/cut`);
      const pass = b.add('Greater', [mags, cut], `${p}/pass`);
      const passing = b.add('Compress', [rows, pass], `${p}/passing`, { axis: int(0) });
      const sent = b.add('Reshape', [passing, flat], `${p}/sent`);
      const count = (x: string, name: string) =>
        wide(b.add('Reshape', [b.add('Size', [x], `${p}/${name}0`), one], `${p}/${name}`), name);
      parts.push(wide(cut, 'cut'), count(sent, 'sent_count'), count(rows, 'size'));
      values.push(sent);
    }
    return b.concat(parts, `${p}/stats`);
  });
  const out: ReducedOutputs = { stats: b.concat(stats, `${P}/stats`), width: percentile ? 5 : 2 };
  if (percentile) {
    out.feeds = feeds;
    if (g.inputs.some((v) => v.name === `${P}/share`)) out.share = `${P}/share`;
    out.values = b.concat(values, `${P}/values`);
  }
  const kept = new Set(g.outputs.map((o) => o.name));
  g.outputs = [
    { name: out.stats },
    ...(out.values ? [{ name: out.values }] : []),
    // `direct`: also plain outputs (the graph's own outputs among them keep their entries).
    ...g.outputs.filter((o) => direct.includes(o.name)),
    ...direct.filter((n) => !kept.has(n)).map((name) => ({ name })),
  ];
  g.nodes = interleaved(g.nodes, b.nodes, tensors);
  return { model: { ...model, graph: g }, outputs: out };
}

/** Each tensor's reduction nodes right after the node that computes it, the shared ones at the end. */
function interleaved(nodes: Node[], added: Node[], tensors: ReducedTensor[]): Node[] {
  const index = new Map(tensors.map((t, i) => [t.name, i]));
  const chains = new Map<number, Node[]>();
  const shared: Node[] = [];
  for (const n of added) {
    const m = /^__calib\/(\d+)\//.exec(n.name);
    if (m) chains.set(Number(m[1]), [...(chains.get(Number(m[1])) ?? []), n]);
    else shared.push(n);
  }
  const out: Node[] = [];
  const after = (name: string) => {
    const i = index.get(name);
    if (i !== undefined) out.push(...(chains.get(i) ?? []));
  };
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  for (const t of tensors) if (!produced.has(t.name)) after(t.name);
  for (const n of nodes) {
    out.push(n);
    for (const o of n.outputs) after(o);
  }
  return [...out, ...shared];
}

/** max(k, ceil(rows * share)) as [1], for rows of a size known only at run time. */
function shareOfRows(b: GraphBuilder, mags: string, k: string, share: string, p: string): string {
  const one = b.constant('one', new Tensor('int64', [1], BigInt64Array.of(1n)));
  const rows = b.add(
    'Cast',
    [b.add('Reshape', [b.add('Size', [mags], `${p}/rows0`), one], `${p}/rows1`)],
    `${p}/rowsf`,
    {
      to: int(1),
    },
  );
  const scaled = b.add('Ceil', [b.add('Mul', [rows, share], `${p}/rows_share`)], `${p}/rows_ceil`);
  return b.add('Max', [k, b.add('Cast', [scaled], `${p}/rows_k`, { to: int(7) })], `${p}/k_used`);
}

const int64 = (v: number[]) => new Tensor('int64', [v.length], BigInt64Array.from(v, BigInt));

/** Appends nodes (kept apart in `nodes`) and constants (named under `prefix`) to a graph. */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  constructor(
    readonly g: Model['graph'],
    readonly opset: number,
    readonly prefix = P,
  ) {}

  add(opType: string, inputs: string[], out: string, attrs: Record<string, Attribute> = {}): string {
    this.nodes.push({ name: out, opType, domain: '', inputs, outputs: [out], attrs });
    return out;
  }

  topK(x: string, k: string, out: string): [string, string] {
    const outs = [`${out}/values`, `${out}/indices`];
    this.nodes.push({
      name: out,
      opType: 'TopK',
      domain: '',
      inputs: [x, k],
      outputs: outs,
      attrs: { axis: int(-1), largest: int(1), sorted: int(0) },
    });
    return outs as [string, string];
  }

  concat(inputs: string[], out: string): string {
    return this.add('Concat', inputs, out, { axis: int(0) });
  }

  constant(name: string, t: Tensor): string {
    this.g.initializers.set(`${this.prefix}/${name}`, t);
    return `${this.prefix}/${name}`;
  }

  /** `op` over `axes` (all when undefined), keeping the reduced axes as 1 when `keep`. */
  reduce(op: string, x: string, out: string, axes: number[] | undefined, keep: boolean): string {
    const attrs: Record<string, Attribute> = { keepdims: int(keep ? 1 : 0) };
    if (!axes) return this.add(op, [x], out, attrs);
    // Axes became an input at opset 13 (ReduceSum) and 18 (the others, ReduceSumSquare among them).
    const asInput = op === 'ReduceSum' ? this.opset >= 13 : this.opset >= 18;
    if (!asInput) return this.add(op, [x], out, { ...attrs, axes: ints(axes) });
    const name = this.constant(
      `axes${axes.join('_')}`,
      new Tensor('int64', [axes.length], BigInt64Array.from(axes, BigInt)),
    );
    return this.add(op, [x, name], out, attrs);
  }
}
