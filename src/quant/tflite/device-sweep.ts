/**
 * The integer executor run over all the calibration samples depth by depth instead of sample by sample,
 * for the floor settles (floor-measured.ts, floor-float.ts): every value a depth's conv/FC layers read is
 * made on every sample before those layers run, so their biases can be settled from the samples right
 * then, and each node runs once per sample with its final bias.
 *
 * Settling layer after layer (settle-passes.ts) ran the whole device over the samples once per depth that
 * moved (PP-OCRv4 det: 40 runs at 320x320, 65 at 640 with the cap). A settle at depth d changes nothing that
 * a layer of depth <= d reads (every conv/FC upstream of a layer is shallower), so the depths settle in
 * increasing order and the layers a depth leaves alone never change their minds later: one sweep in depth
 * order makes the same measurements and the same moves as those runs.
 *
 * A node's stage: a conv/FC's depth (how many conv/FC layers precede it on the longest path), any other
 * node's the largest of its inputs' (graph inputs and constants: -1). Stage s runs as one subgraph on each
 * sample, fed the values earlier stages made (kept per sample while a later stage still reads them: at
 * most a few maps of each sample, as the executor's own buffer plan holds) and giving the values later
 * stages read and the watched ones. Only the nodes a watched value needs run.
 */
import { Graph, topoSort, type Model, type ValueInfo } from '../../ir/graph.js';
import type { Tensor } from '../../ir/tensor.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../../runtime/integer/index.js';
import { builtinOf } from '../../tflite/ops/index.js';

export interface SweepHooks {
  /**
   * Before the conv/FC layers of `depth` run (0, 1, ... up to the deepest), once every watched value
   * they can read has been given on every sample. Returns the model to go on with when it moved biases
   * (the same nodes, in the same order).
   */
  atDepth?(depth: number): Model | undefined;
  /** A watched value on one sample; each value's samples come in order. */
  onValue(name: string, t: Tensor, sample: number): void;
}

const isBiased = (opType: string) => builtinOf(opType)?.floorShift === 'biased';

/**
 * The values a sweep kept per sample just before one stage ran: a later sweep of the same model with
 * biases moved at that stage or deeper only, watching some of the values this one watched, starts there.
 */
export interface Frontier {
  stage: number;
  count: number;
  values: Map<string, Tensor[]>;
}

/**
 * Runs `model` as the integer executor with `options` over `samples` (the feeds of its runtime inputs),
 * or from a frontier a sweep of it kept, stage by stage; returns the model the last `atDepth` left, and
 * the frontier before stage `keep` when asked.
 */
export async function sweepDevice(
  model: Model,
  watched: readonly string[],
  options: IntegerExecutorOptions,
  samples: (() => AsyncIterable<Record<string, Tensor>>) | Frontier,
  hooks: SweepHooks,
  keep?: number,
): Promise<{ model: Model; frontier?: Frontier }> {
  const g = model.graph;
  const index = new Map(g.nodes.map((n, i) => [n, i]));
  const order = topoSort(g).map((n) => index.get(n)!);
  // Stage of each node (by its index in g.nodes) and of each value it makes.
  const stage = new Array<number>(g.nodes.length).fill(-1);
  const valueStage = new Map<string, number>();
  for (const i of order) {
    const n = g.nodes[i]!;
    const before = Math.max(-1, ...n.inputs.map((v) => valueStage.get(v) ?? -1));
    stage[i] = isBiased(n.opType) ? before + 1 : before;
    for (const o of n.outputs) if (o) valueStage.set(o, stage[i]!);
  }
  // The nodes a watched value needs, and the last stage that reads each value.
  const watch = new Set(watched);
  const needed = new Set<string>(watched);
  const runs = new Set<number>();
  const lastRead = new Map<string, number>();
  for (const i of [...order].reverse()) {
    const n = g.nodes[i]!;
    if (!n.outputs.some((o) => needed.has(o))) continue;
    runs.add(i);
    for (const v of n.inputs)
      if (v && !g.initializers.has(v)) {
        needed.add(v);
        lastRead.set(v, Math.max(lastRead.get(v) ?? -1, stage[i]!));
      }
  }
  const deepest = Math.max(-1, ...stage.filter((_, i) => isBiased(g.nodes[i]!.opType)));

  // Each kept value per sample: the runtime inputs, or the frontier's.
  let kept = new Map<string, Tensor[]>();
  let count = 0;
  let first = -1;
  if (typeof samples === 'function') {
    const inputs = g.runtimeInputs();
    for await (const feeds of samples()) {
      for (const v of inputs) {
        if (!needed.has(v.name) && !watch.has(v.name)) continue;
        const list = kept.get(v.name) ?? [];
        list.push(feeds[v.name]!);
        kept.set(v.name, list);
      }
      count++;
    }
    for (const v of inputs)
      if (watch.has(v.name)) kept.get(v.name)?.forEach((t, s) => hooks.onValue(v.name, t, s));
  } else {
    kept = new Map(samples.values);
    count = samples.count;
    first = samples.stage;
  }
  const release = (done: number) => {
    for (const name of [...kept.keys()]) if (!((lastRead.get(name) ?? -1) > done)) kept.delete(name);
  };
  release(first - 1);

  let current = model;
  let frontier: Frontier | undefined;
  // A node's stage is never past the deepest conv/FC's (a head after it shares that stage).
  for (let s = first; s <= deepest; s++) {
    if (s >= 0 && hooks.atDepth) current = hooks.atDepth(s) ?? current;
    if (s === keep) frontier = { stage: s, count, values: new Map(kept) };
    const nodes = order.filter((i) => stage[i] === s && runs.has(i)).map((i) => current.graph.nodes[i]!);
    if (nodes.length) runStage(current, nodes, s, count, kept, lastRead, watch, options, hooks);
    release(s);
  }
  return { model: current, frontier };
}

/**
 * The floor settles' depth-by-depth moves (settle-passes.ts' order) in one sweep: before each depth's
 * layers run, those `differs` picks (all by default) are moved by `move` on a copy of the current graph,
 * at most `maxPasses` depths; `onValue` sees each watched value with the model then current. `passes`
 * counts as settleByDepth did: a run per settled depth and the one that measured where they left the model.
 */
export async function settleBySweep<L extends { depth: number }>(
  model: Model,
  layers: readonly L[],
  sweep: {
    watched: readonly string[];
    options: IntegerExecutorOptions;
    samples: () => AsyncIterable<Record<string, Tensor>>;
    /** The stage whose frontier to keep (the tails' run starts there). */
    keep?: number;
  },
  s: {
    maxPasses: number;
    onValue(name: string, t: Tensor, current: Model): void;
    differs?(layer: L): boolean;
    /** Moves one layer's bias in `g`; whether it moved. */
    move(g: Graph, layer: L): boolean;
  },
): Promise<{ model: Model; corrected: number; passes: number; frontier?: Frontier }> {
  const byDepth = new Map<number, L[]>();
  for (const l of layers) byDepth.set(l.depth, [...(byDepth.get(l.depth) ?? []), l]);
  let current = model;
  let corrected = 0;
  let settles = 0;
  const swept = await sweepDevice(
    model,
    sweep.watched,
    sweep.options,
    sweep.samples,
    {
      onValue: (name, t) => s.onValue(name, t, current),
      atDepth: (depth) => {
        // A depth none of whose layers differs moves nothing and takes no pass.
        const now = (byDepth.get(depth) ?? []).filter((l) => s.differs?.(l) ?? true);
        if (!now.length || settles >= s.maxPasses) return undefined;
        settles++;
        const g = current.graph.clone();
        for (const l of now) if (s.move(g, l)) corrected++;
        return (current = { ...current, graph: g });
      },
    },
    sweep.keep,
  );
  return { model: swept.model, corrected, passes: settles + 1, frontier: swept.frontier };
}

function runStage(
  model: Model,
  nodes: Graph['nodes'],
  s: number,
  count: number,
  kept: Map<string, Tensor[]>,
  lastRead: Map<string, number>,
  watch: Set<string>,
  options: IntegerExecutorOptions,
  hooks: SweepHooks,
): void {
  const g = model.graph;
  const made = new Set(nodes.flatMap((n) => n.outputs.filter((o) => o)));
  const reads = [
    ...new Set(nodes.flatMap((n) => n.inputs.filter((v) => v && !made.has(v) && !g.initializers.has(v)))),
  ];
  const gives = [...made].filter((v) => watch.has(v) || (lastRead.get(v) ?? -1) > s);
  const sub = new Graph();
  sub.name = g.name;
  sub.nodes = nodes;
  sub.initializers = g.initializers;
  sub.valueInfo = g.valueInfo;
  sub.inputs = reads.map((name): ValueInfo => {
    const t = kept.get(name)![0]!;
    const original = g.inputs.find((v) => v.name === name);
    return {
      ...original,
      name,
      type: { kind: 'tensor', dtype: t.dtype, shape: [...t.dims] },
      quant: original ? original.quant : t.quant,
    };
  });
  sub.outputs = gives.map((name) => g.outputs.find((v) => v.name === name) ?? { name });
  const ex = createIntegerExecutor({ ...model, graph: sub }, options);
  for (let sample = 0; sample < count; sample++) {
    const feeds = Object.fromEntries(reads.map((name) => [name, kept.get(name)![sample]!]));
    const out = ex.run(feeds);
    for (const name of gives) {
      if ((lastRead.get(name) ?? -1) > s) {
        const list = kept.get(name) ?? [];
        list.push(out[name]!);
        kept.set(name, list);
      }
      if (watch.has(name)) hooks.onValue(name, out[name]!, sample);
    }
  }
}
