import { int, ints } from '../ir/attrs.js';
import { opsetVersion, type Attribute, type Model, type Node } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { elementTypes } from './dtypes.js';

/**
 * The calibration graphs with the reduction done by ONNX Runtime: what crosses into JavaScript per sample
 * is, for each large calibrated tensor, its extremes and (percentile) the few values that can still be among
 * the largest magnitudes of all samples, instead of the whole activation map (a 640x640 detector sample is
 * 84 million values over 179 tensors).
 *
 * minmax (reducedCalibrationModel): per tensor, viewed as rows ([R, row]; Flatten at `axis` when the size
 * is not known), the row maxima and minima and from them the tensor's min and max, into output `stats`
 * ([min, max] per tensor, float64).
 *
 * percentile (rowCalibrationModel): the tensors' rows are concatenated by group, and each group computes,
 * in a handful of nodes whatever its tensor count, its row maxima and minima and the rows whose largest
 * magnitude passes a cutoff fed per row. Per-tensor reduction chains made the graph of PP-OCRv4 rec about
 * 3,600 nodes, whose session creation alone took 2.2 s, 2.4 times ONNX Runtime's whole float pass over 32
 * samples.
 *
 * The order matters to memory: ONNX Runtime orders nodes by a depth-first walk back from the outputs, so
 * everything reduced leads into one output, its parts in the order the graph computes the tensors: each map
 * is reduced soon after it exists and freed after. Split into several outputs (mins, maxs, ...), the
 * reductions of the later outputs ran at the end and kept every map alive (PP-OCRv4 det at 640x640: 554 MB
 * peak RSS against 259 MB, and page faults that made the first runs cost 1.4 s each against 0.26 s).
 */
export interface ReducedOutputs {
  stats: string;
  /** Numbers per tensor in `stats`. */
  width: number;
}

export interface ReducedTensor {
  name: string;
  /** Rows of this many values (Reshape to [-1, row]); or, when undefined, Flatten at `axis`. */
  row?: number;
  axis: number;
  /** The row count, where the size is known. */
  rows?: number;
  /** percentile: the value its largest magnitudes tie at (see OpDescriptor.tiesAtBound), counted apart. */
  tie?: number;
}

const P = '__calib';

/** The model with the min/max reductions of `tensors` (in the order the graph computes them) appended. */
export function reducedCalibrationModel(
  model: Model,
  tensors: ReducedTensor[],
  direct: string[] = [],
): { model: Model; outputs: ReducedOutputs } {
  const g = model.graph.clone();
  const b = new GraphBuilder(g, opsetVersion(model) ?? 13);
  const F64 = { to: int(11) };
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
    return b.concat(parts, `${p}/stats`);
  });
  const out: ReducedOutputs = { stats: b.concat(stats, `${P}/stats`), width: 2 };
  const outputs = directOutputs(g.outputs, direct);
  g.outputs = [{ name: out.stats }, ...outputs];
  const touch = touched(b, g, outputs);
  g.nodes = walkOrder(g.nodes, b.nodes, stats, out.stats, touch, (n) => {
    const m = /^__calib\/(\d+)\//.exec(n.name);
    return m ? tensors[Number(m[1])]!.name : undefined;
  });
  return { model: { ...model, graph: g }, outputs: out };
}

/** `direct` as plain outputs besides (the graph's own outputs among them keep their entries). */
function directOutputs(outputs: Model['graph']['outputs'], direct: string[]): Model['graph']['outputs'] {
  const kept = new Set(outputs.map((o) => o.name));
  return [
    ...outputs.filter((o) => direct.includes(o.name)),
    ...direct.filter((n) => !kept.has(n)).map((name) => ({ name })),
  ];
}

/** Tensors whose rows (of `row` values) are cut off together (their row extremes concatenated). */
export interface RowGroup {
  row: number;
  /** `tie`: the value the tensor's largest magnitudes tie at (an op's bound), whose count is computed too. */
  tensors: { name: string; rows: number; tie?: number }[];
}

export interface RowOutputs {
  /**
   * The one reduced output (float32): per group, its row maxima, its row minima (one per row of its
   * tensors, tensor after tensor), the count of values equal to `tie` of each tensor that has one, and
   * then the values of the rows sent, row after row.
   */
  all: string;
  /** Per group, the fed row cutoffs (float32 [rows]): a row is sent when its largest magnitude passes its cutoff. */
  cutoffs: string[];
}

/**
 * The model with the percentile reductions of `groups` appended (groups and their tensors in the order
 * the graph computes them): per tensor, viewed as rows, ReduceMax and ReduceMin over each row; per group,
 * the rows whose magnitude max(rowmax, -rowmin) is greater than the fed cutoff (Greater on the group's
 * concatenated row extremes, Split back by tensor), taken whole from each tensor (Compress).
 */
export function rowCalibrationModel(
  model: Model,
  groups: RowGroup[],
  direct: string[] = [],
): { model: Model; outputs: RowOutputs } {
  const g = model.graph.clone();
  const b = new GraphBuilder(g, opsetVersion(model) ?? 13);
  const flat = b.constant('flat', new Tensor('int64', [1], BigInt64Array.of(-1n)));
  const cutoffs: string[] = [];
  const owner = new Map<string, string>();
  const packs = groups.map((group, gi) => {
    const p = `${P}/g${gi}`;
    const shape = b.constant(`row${group.row}`, int64([-1, group.row]));
    const each = group.tensors.map((t, i) => {
      const from = b.nodes.length;
      const rows = b.add('Reshape', [t.name, shape], `${p}/${i}/rows`);
      const max = b.reduce('ReduceMax', rows, `${p}/${i}/rowmax`, [1], false);
      const min = b.reduce('ReduceMin', rows, `${p}/${i}/rowmin`, [1], false);
      const tie = t.tie === undefined ? undefined : tieCount(b, rows, t.tie, `${p}/${i}`);
      for (const n of b.nodes.slice(from)) owner.set(n.name, t.name);
      return { rows, max, min, tie };
    });
    const joined = (xs: string[], name: string) => (xs.length === 1 ? xs[0]! : b.concat(xs, name));
    const rowMax = joined(
      each.map((e) => e.max),
      `${p}/rowmax`,
    );
    const rowMin = joined(
      each.map((e) => e.min),
      `${p}/rowmin`,
    );
    const mags = b.add('Max', [rowMax, b.add('Neg', [rowMin], `${p}/-rowmin`)], `${p}/rowmag`);
    const cutoff = `${p}/cutoff`;
    const count = group.tensors.reduce((n, t) => n + t.rows, 0);
    g.inputs.push({ name: cutoff, type: { kind: 'tensor', dtype: 'float32', shape: [count] } });
    cutoffs.push(cutoff);
    const pass = b.add('Greater', [mags, cutoff], `${p}/pass`);
    const passes =
      each.length === 1
        ? [pass]
        : b.split(
            pass,
            group.tensors.map((t) => t.rows),
            `${p}/passes`,
          );
    const sent = each.map((e, i) =>
      b.add('Compress', [e.rows, passes[i]!], `${p}/${i}/sent`, { axis: int(0) }),
    );
    const values = b.add('Reshape', [joined(sent, `${p}/sent`), flat], `${p}/sent_flat`);
    const ties = each.flatMap((e) => (e.tie === undefined ? [] : [e.tie]));
    const pack = b.concat([rowMax, rowMin, ...ties, values], `${p}/pack`);
    // The group's own nodes right after its last tensor exists.
    for (const n of b.nodes)
      if (n.name.startsWith(`${p}/`) && !owner.has(n.name)) owner.set(n.name, group.tensors.at(-1)!.name);
    return pack;
  });
  const all = packs.length === 1 ? packs[0]! : b.concat(packs, `${P}/all`);
  const outputs = directOutputs(g.outputs, direct);
  g.outputs = [{ name: all }, ...outputs];
  const touch = touched(b, g, outputs);
  g.nodes = walkOrder(g.nodes, b.nodes, packs, all, touch, (n) => owner.get(n.name));
  return { model: { ...model, graph: g }, outputs: { all, cutoffs } };
}

/**
 * How many of `rows`' values equal `tie` ([1], float32): Equal, Cast and ReduceSum, exact while the
 * count stays below 2^24 (the caller's bound on the tensor's size), whatever order ORT sums the ones in.
 */
function tieCount(b: GraphBuilder, rows: string, tie: number, p: string): string {
  const bound = b.constant(`tie${tie}`, Tensor.float32([], [tie]));
  const equal = b.add('Equal', [rows, bound], `${p}/at_tie`);
  const ones = b.add('Cast', [equal], `${p}/at_tie_f`, { to: int(1) });
  const sum = b.reduce('ReduceSum', ones, `${p}/ties`, undefined, false);
  return b.add('Reshape', [sum, b.constant('flat', int64([-1]))], `${p}/ties_flat`);
}

/**
 * The nodes in the order that makes ONNX Runtime reduce each map soon after it exists and free it.
 * ORT (1.30, its default execution order) walks back depth-first from the leaf nodes (those whose outputs
 * no node reads), the highest node index first, visiting each node's inputs' producers highest index
 * first, and runs each node once everything it reads has run. So:
 * - the parts of the one reduced output (`joins`, in the order the graph computes their tensors) go last,
 *   in reverse, before the node joining them (`last`): the walk reaches the first part first, runs the
 *   graph up to its tensors and their reduction, then up to the second part's, and so on. In the order the
 *   graph computes them (the last part's index highest), the walk ran the whole model first and every
 *   reduction after it, keeping every map alive to the end;
 * - no plain output is a leaf: where ORT computes a Conv in its blocked layout (NCHWc, on AVX2 and up) it
 *   gives a graph output a ReorderOutput node of its own, which nothing reads; being the newest nodes, the
 *   walk started there and ran the whole backbone first (on PP-OCRv4 det at 640x640 the first run grew
 *   ORT's memory by 300 MB instead of 70 MB, and a run cost 1.1 s CPU instead of 0.3 s, later runs 143
 *   ms instead of 117). `touch` (see touched) reads them, placed before the joins: walked after them.
 * The other added nodes come right after the node computing the tensor `after` names (interleaved).
 */
function walkOrder(
  nodes: Node[],
  added: Node[],
  joins: string[],
  last: string,
  touch: Node[],
  after: (n: Node) => string | undefined,
): Node[] {
  const late = new Set([...joins, last, ...touch.map((n) => n.name)]);
  const byName = new Map(added.map((n) => [n.name, n]));
  const ordered = interleaved(
    nodes,
    added.filter((n) => !late.has(n.name)),
    after,
  );
  const tail = [...joins].reverse().filter((j) => j !== last);
  return [
    ...ordered,
    ...touch,
    ...tail.map((j) => byName.get(j)!),
    ...(byName.has(last) ? [byName.get(last)!] : []),
  ];
}

/**
 * One value of each plain output a node computes, joined into an output of their own (`__calib/touch`,
 * read by no one): so that no plain output is a leaf of ORT's walk (see walkOrder). A copy of at most one
 * value each. From opset 10: Flatten at axis 0 ([1, size], ORT aliases it: no copy) and a Slice of its
 * first column per output, a Cast only where the output is not float32, all joined by one variadic Max
 * (the [1, 1] firsts broadcast; an empty output's [1, 0] makes the join empty, which no one reads).
 * Before (Reshape, Slice, Cast to float of every output, one Concat) PP-OCRv4 rec's calibration graph
 * with --bias_correction's twins (1x3x48x320, 175 plain outputs) had 1,604 nodes, 523 of them touching;
 * so 1,430. ONNX Runtime's session creation costs about 0.3 ms a node there (1,604 nodes 0.47 s CPU
 * against 0.28 s for its 469-node float model).
 */
function touched(b: GraphBuilder, g: Model['graph'], outputs: Model['graph']['outputs']): Node[] {
  const computed = new Set(g.nodes.flatMap((n) => n.outputs));
  const names = outputs.map((o) => o.name).filter((n) => computed.has(n));
  if (!names.length) return [];
  const from = b.nodes.length;
  const [zero, one] = [b.constant('i0', int64([0])), b.constant('i1', int64([1]))];
  if (b.opset < 10) {
    const flat = b.constant('flat', int64([-1]));
    const firsts = names.map((name, i) => {
      const v = b.add('Reshape', [name, flat], `${P}/touch/${i}/flat`);
      const first = b.add('Slice', [v], `${P}/touch/${i}/first`, {
        starts: ints([0]),
        ends: ints([1]),
        axes: ints([0]),
      });
      return b.add('Cast', [first], `${P}/touch/${i}/float`, { to: int(1) });
    });
    g.outputs.push({ name: b.concat(firsts, `${P}/touch`) });
    return b.nodes.slice(from);
  }
  const types = elementTypes(g);
  const firsts = names.map((name, i) => {
    const v = b.add('Flatten', [name], `${P}/touch/${i}/flat`, { axis: int(0) });
    const first = b.add('Slice', [v, zero, one, one], `${P}/touch/${i}/first`);
    return types.get(name) === 'float32'
      ? first
      : b.add('Cast', [first], `${P}/touch/${i}/float`, { to: int(1) });
  });
  g.outputs.push({ name: b.add('Max', firsts, `${P}/touch`) });
  return b.nodes.slice(from);
}

/**
 * The added nodes placed right after the node computing the tensor `after` names for them (in the
 * order added), the others at the end.
 */
function interleaved(nodes: Node[], added: Node[], after: (n: Node) => string | undefined): Node[] {
  const chains = new Map<string, Node[]>();
  const shared: Node[] = [];
  for (const n of added) {
    const t = after(n);
    if (t === undefined) shared.push(n);
    else chains.set(t, [...(chains.get(t) ?? []), n]);
  }
  const out: Node[] = [];
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  for (const [t, chain] of chains) if (!produced.has(t)) out.push(...chain);
  for (const n of nodes) {
    out.push(n);
    for (const o of n.outputs) out.push(...(chains.get(o) ?? []));
  }
  return [...out, ...shared];
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

  /** Split along axis 0 into parts of the given lengths (opset 13 on: the lengths as an input). */
  split(x: string, lengths: number[], out: string): string[] {
    const outs = lengths.map((_, i) => `${out}/${i}`);
    const sizes = this.constant(`split_${out}`, int64(lengths));
    this.nodes.push({
      name: out,
      opType: 'Split',
      domain: '',
      inputs: [x, sizes],
      outputs: outs,
      attrs: { axis: int(0) },
    });
    return outs;
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
