import { Graph, opsetVersion, subgraphsOf, type Model, type Node } from '../ir/graph.js';
import { fixedInputs } from '../ir/shapes.js';
import { Tensor } from '../ir/tensor.js';
import { GraphBuilder } from '../quant/calib-graph.js';
import type { Feeds } from '../quant/calibrate.js';
import { createOrtSession, type OrtSession, type OrtSessionOptions } from '../runtime/ort.js';
import { createModelSession } from '../runtime/ort-model.js';
import { sqnr } from './metrics.js';
import { stopwatch } from '../util/timing.js';
import type { Candidate, LayerError, Outputs, Reference } from './evaluate.js';

/**
 * The float model and the written QDQ file in one ONNX Runtime session, at 'basic' (the QDQ part unfused,
 * so its integers are exact; the float part differs from 'all' by float rounding, about 1e-7 relative).
 * One run per evaluation sample gives the float reference, the .onnx's outputs, and, on the samples the
 * per-layer figures need, each probed layer's signal and noise power computed inside the runtime: what
 * crosses into JavaScript is two numbers per layer, not two copies of every activation map (PP-OCRv4 det
 * at 640x640: 179 maps of 84 million values per sample; two probe sessions took 2.4 s CPU per sample and
 * 2.5 GB peak RSS, the paired run about 0.3 s and 0.8 GB).
 *
 * The powers are ReduceSumSquare over the whole map in float32 (ORT sums in vectorized blocks, not one
 * running total), the noise the float32 difference of the maps; JavaScript sums the samples in float64.
 * Against layerErrors' float64 sums: within 3e-4 dB on PP-OCRv4 det at 256x256, and the test bounds it
 * at 0.01 dB (__tests__/eval/paired.test.ts).
 *
 * With PairedThen, the paired session serves the per-layer samples only, and the rest run apart at 'all'.
 */
export interface PairedRun {
  reference: Reference;
  /** The .onnx file's outputs, from the same run as the reference's (call reference.run first). */
  onnx: Candidate;
  /** Per-layer SQNR over the samples the layers were measured on (see `layers` of pairedRun). */
  layers(): LayerError[];
  close(): Promise<void>;
}

/**
 * Where ONNX Runtime's fused int8 kernels compute the file exactly on this CPU (native backend, ARM or VNNI
 * x86: see int8KernelsMaySaturate), the samples after the per-layer ones need no paired graph: the float
 * model (encoded here, its IR's weights being released) and the written file each run in a session of their
 * own at 'all', in place of both graphs unfused at 'basic' with every layer's sums, which ORT computes
 * whether they are fetched or not. PP-OCRv4 det at 640x640, CPU per sample: 0.64 s paired against 0.22 s
 * float and 0.12 s for the fused file; rec at 48x320: 0.17 s against 0.04 and 0.02.
 */
export interface PairedThen {
  float: Uint8Array;
  quantFile: string;
}

/**
 * How PairedThen's two sessions open: ORT's default level ('all'), without its memory pattern. The pattern
 * (a run's buffers planned from the shapes of the first runs) makes the first two runs of a session slow
 * rather than the first one only, and pays nothing back over the few samples these sessions run: PP-OCRv4
 * det at 640x640, the float model's second run 0.23 s CPU with it, 0.05 s without (its steady cost either
 * way); both sessions over 6 pages, alternated in one process on 2 cores (load ~6): 1.53-1.70 s CPU with
 * it, 1.21-1.24 s without (rec at 48x320: 0.40-0.44 against 0.40-0.42 s, no difference). Memory planning
 * changes no value: reports and files identical (PP-OCRv4 rec and det, affine and pow2, the examples).
 */
export const APART_SESSION: Readonly<OrtSessionOptions> = { enableMemPattern: false };

export interface PairedLayers {
  /** Float tensor name -> the tensor carrying its quantized twin in the QDQ graph. */
  twins: Map<string, string>;
  /** Probed float tensors, with the op that computes each. */
  names: string[];
  opOf: Map<string, string>;
  /** Layers are measured on at most this many samples, fewer once `settled` says so. */
  samples: number;
  settled: (previous: number[], current: number[]) => boolean;
}

/**
 * `inputShapes`: the one shape every evaluation sample has (the data's, see planData), written into the
 * paired graph's inputs. ONNX Runtime's allocation planner is slow on a large graph whose shapes are
 * symbolic: PP-OCRv4 rec declares its batch and width dynamic, and its paired graph (2,225 nodes) took
 * 0.71-0.80 s CPU to open at 'basic' (ORT's verbose log puts most of it between graph partitioning and
 * saving the initializers, the planner), 0.24 s with the inputs fixed at 1x3x48x320. Every value computed
 * is the same (the samples have that shape whatever the graph declares): the report's figures are
 * identical on rec (affine and pow2).
 *
 * The session, or undefined where one graph cannot hold both: different opsets, different inputs, or
 * control flow in either (its branches read outer names, which would need renaming too). `release` is
 * called once the paired graph is encoded, before ONNX Runtime loads it: nothing reads the float IR's
 * weights after that, and the caller can drop them.
 */
export async function pairedRun(
  floatModel: Model,
  quantModel: Model,
  layers: PairedLayers,
  release?: () => void,
  then?: PairedThen,
  inputShapes?: ReadonlyMap<string, readonly number[]>,
): Promise<PairedRun | undefined> {
  const built = pairedModel(floatModel, quantModel, layers.names, layers.twins, inputShapes);
  if (!built) return undefined;
  const session = await createModelSession(built.model, {
    graphOptimizationLevel: 'basic',
    enableMemPattern: false,
    // Encoded, the graph's weights (both models') are the session's to read: the IR's can go.
    onEncoded: () => {
      built.model.graph.initializers.clear();
      release?.();
    },
  });
  // Only the names go on: the graph holds every weight of both models, which the session has now.
  const { quantOutputs, stats } = built;
  return pairedRunOf(session, { quantOutputs, stats }, floatModel.graph.outputs, layers, then);
}

interface PairedModel {
  model: Model;
  /** Output name in the paired graph -> the QDQ graph's output it is. */
  quantOutputs: Map<string, string>;
  /** Per layer in `names` order, the outputs of its signal and noise powers (float32 scalars). */
  stats: string[];
}

function pairedRunOf(
  session: OrtSession,
  built: Omit<PairedModel, 'model'>,
  floatModelOutputs: readonly { name: string }[],
  layers: PairedLayers,
  then?: PairedThen,
): PairedRun {
  const floatOutputs = floatModelOutputs.map((o) => o.name);
  const plain = [...floatOutputs, ...built.quantOutputs.keys()];
  const powers = layers.names.map(() => [0, 0]);
  let measured = 0;
  let done = !built.stats.length || layers.samples <= 0;
  let last: Record<string, Tensor> = {};
  let closed = false;
  let pairedOpen = true;
  let apart: { float: OrtSession; quant: OrtSession } | undefined;
  const current = () => powers.map(([s, n]) => sqnr(s!, n!));
  // MODEL_QUANT_TIMING: one lap per sample, where it ran (PP-OCRv4 det 640: the first paired run about 2x
  // the next ones, ORT's arena growing; the first run apart, the same).
  const lap = stopwatch('paired');
  // The layers measured: the paired session goes, the two of PairedThen come (one at a time, closed first).
  const openApart = async (t: PairedThen) => {
    pairedOpen = false;
    await session.close();
    const float = await createOrtSession(t.float, APART_SESSION);
    try {
      return { float, quant: await createOrtSession(t.quantFile, APART_SESSION) };
    } catch (e) {
      await float.close();
      throw e;
    }
  };
  const reference: Reference = {
    outputNames: floatOutputs,
    async run(feeds: Feeds) {
      if (done && then) {
        apart ??= await openApart(then);
        last = await apart.float.run(feeds, floatOutputs);
        const q = await apart.quant.run(feeds);
        lap('run apart (float + file)');
        for (const [inGraph, name] of built.quantOutputs) last[inGraph] = q[name]!;
        return Object.fromEntries(floatOutputs.map((n) => [n, last[n]!]));
      }
      const wanted = done ? plain : [...built.stats, ...plain];
      last = await session.run(feeds, wanted);
      if (!done) {
        const before = measured ? current() : undefined;
        for (const [i, p] of powers.entries()) {
          p[0]! += (last[built.stats[2 * i]!]!.data as Float32Array)[0]!;
          p[1]! += (last[built.stats[2 * i + 1]!]!.data as Float32Array)[0]!;
        }
        measured++;
        done = measured >= layers.samples || (measured > 1 && layers.settled(before!, current()));
        lap(`run with layers ${measured}${done ? ' (layers done)' : ''}`);
      } else lap('run');
      return Object.fromEntries(floatOutputs.map((n) => [n, last[n]!]));
    },
    close: () => undefined,
  };
  const onnx: Candidate = {
    async run() {
      const out: Outputs = {};
      for (const [inGraph, name] of built.quantOutputs)
        out[name] = { dims: last[inGraph]!.dims, data: last[inGraph]!.toFloat32() };
      return out;
    },
    close: () => undefined,
  };
  return {
    reference,
    onnx,
    layers: () =>
      measured === 0
        ? []
        : layers.names
            .map((n, i) => ({
              tensor: n,
              op: layers.opOf.get(n)!,
              sqnrDb: sqnr(powers[i]![0]!, powers[i]![1]!),
            }))
            .sort((x, y) => x.sqnrDb - y.sqnrDb),
    // Idempotent: the evaluation closes it once the first pass is done, and again on its way out.
    close: async () => {
      if (closed) return;
      closed = true;
      if (pairedOpen) await session.close();
      await apart?.float.close();
      await apart?.quant.close();
    },
  };
}

/**
 * One graph computing both models from the same inputs: the float graph as it is, the QDQ graph's values
 * renamed under a prefix no float name uses; per probed layer, Σx² and Σ(x - q)² appended (see PairedRun).
 * Its inputs take `inputShapes` where given (see pairedRun).
 */
export function pairedModel(
  floatModel: Model,
  quantModel: Model,
  names: string[],
  twins: Map<string, string>,
  inputShapes?: ReadonlyMap<string, readonly number[]>,
): PairedModel | undefined {
  const f = floatModel.graph;
  const q = quantModel.graph;
  const opset = opsetVersion(floatModel) ?? 13;
  if (opset !== (opsetVersion(quantModel) ?? 13)) return undefined;
  const inputs = f.runtimeInputs().map((v) => v.name);
  const qInputs = q.runtimeInputs().map((v) => v.name);
  if (inputs.length !== qInputs.length || qInputs.some((n) => !inputs.includes(n))) return undefined;
  if ([...f.nodes, ...q.nodes].some((n) => subgraphsOf(n).length > 0)) return undefined;
  const taken = new Set([...f.nodes.flatMap((n) => n.outputs), ...f.initializers.keys(), ...inputs]);
  let prefix = 'q:';
  while ([...taken].some((n) => n.startsWith(prefix))) prefix = `_${prefix}`;
  const shared = new Set(inputs);
  const rename = (n: string) => (n === '' || shared.has(n) ? n : prefix + n);
  const g = f.clone();
  if (inputShapes) g.inputs = fixedInputs(g.inputs, inputShapes);
  for (const [k, t] of q.initializers) if (!shared.has(k)) g.initializers.set(rename(k), t);
  for (const [k, v] of q.valueInfo) g.valueInfo.set(rename(k), { ...v, name: rename(k) });
  const quantNodes: Node[] = q.nodes.map((n) => ({
    ...n,
    name: n.name && prefix + n.name,
    inputs: n.inputs.map(rename),
    outputs: n.outputs.map(rename),
  }));
  // Weight DequantizeLinear nodes first in the list: ORT orders the graph by a depth-first walk back from
  // the outputs that takes a node's highest-listed input first, so a weight dequantized from a node listed
  // after the activation chain is computed ahead of the whole chain and its float copy lives through it.
  // Listed first, each is computed just before its consumer (500 MB MLP: 650 MB less at 'basic').
  const isWeight = (n: Node) => n.opType === 'DequantizeLinear' && q.initializers.has(n.inputs[0]!);
  const weight = quantNodes.filter((_, i) => isWeight(q.nodes[i]!));
  g.nodes = [...weight, ...g.nodes, ...quantNodes.filter((_, i) => !isWeight(q.nodes[i]!))];
  const quantOutputs = new Map(q.outputs.map((o) => [rename(o.name), o.name]));
  const stats = layerPowers(g, opset, names, twins, rename);
  g.outputs = [
    ...stats.map((name) => ({ name })),
    ...f.outputs,
    ...q.outputs.map((o) => ({ ...o, name: rename(o.name) })),
  ];
  const opsetImports = [...floatModel.opsetImports];
  for (const o of quantModel.opsetImports)
    if (!opsetImports.some((x) => x.domain === o.domain)) opsetImports.push(o);
  return { model: { ...floatModel, opsetImports, graph: g }, quantOutputs, stats };
}

/**
 * Appends, per layer, Σx² and Σ(x - q)² as two scalar outputs (returned in layer order), their nodes
 * appended last layer first. ONNX Runtime orders the graph by a depth-first walk that starts from the
 * last-listed node nothing reads and goes on backwards through the list: listed this way, layer 0's sums
 * are reached first, so each layer's maps are computed just before its sums and freed after them. Listed
 * in layer order, the walk began at the last layer's sums, ran both whole graphs ahead of any sum and held
 * every probed map until the end (PP-OCRv4 det at 640x640: 630 -> 180 MB peak RSS for the session, its
 * first run 2.2 -> 0.8 s CPU). The order changes no value: every node computes what it did.
 */
function layerPowers(
  g: Graph,
  opset: number,
  names: string[],
  twins: Map<string, string>,
  rename: (n: string) => string,
): string[] {
  const layers = names.map((n, i) => {
    const b = new GraphBuilder(g, opset, '__pair');
    const p = `__pair/${i}`;
    const noise = b.add('Sub', [n, rename(twins.get(n)!)], `${p}/diff`);
    const outs = [
      b.reduce('ReduceSumSquare', n, `${p}/signal`, undefined, false),
      b.reduce('ReduceSumSquare', noise, `${p}/noise`, undefined, false),
    ];
    return { outs, nodes: b.nodes };
  });
  for (const l of [...layers].reverse()) g.nodes.push(...l.nodes);
  return layers.flatMap((l) => l.outs);
}
