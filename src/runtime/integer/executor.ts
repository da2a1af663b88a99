/**
 * Runs a quantized tflite-domain graph (the TFLite importer's or the converter's IR) with integer
 * arithmetic: int8 tensors in typed arrays, int32 accumulators, the rescaling of the chosen scheme. A
 * plan (kernels bound to shapes, every buffer allocated) is made once per set of input shapes; `run`
 * then only copies the feeds in and the outputs out.
 */
import { UnsupportedOpError } from '../../errors.js';
import type { DType } from '../../ir/dtype.js';
import { topoSort, type Graph, type Model, type ValueInfo } from '../../ir/graph.js';
import { Tensor } from '../../ir/tensor.js';
import { INTEGER_KERNELS } from '../../tflite/ops/index.js';
import { resolveArithmetic, type IntegerExecutorOptions } from './scheme.js';
import { WasmArena } from './wasm/arena.js';
import { chainKernel, deriveChains, type ChainStep } from './lookup-chains.js';
import { placeBuffers, type Lifetime } from './buffer-plan.js';
import type { Arithmetic, Data, KernelContext, OutputSpec, PreparedKernel, ValueMeta } from './types.js';

export interface IntegerExecutor {
  readonly arithmetic: Arithmetic;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Bytes of WebAssembly memory its plans' kernels hold (weights, tables, shared scratch). */
  readonly wasmBytes: number;
  /** Bytes of the ArrayBuffers its plans' values live in (buffer-plan.ts). */
  readonly bufferBytes: number;
  /** Feeds by graph input name, float32 or int8 as the graph's inputs are; outputs by output name. */
  run(feeds: Record<string, Tensor>): Record<string, Tensor>;
}

interface Step {
  kernel: PreparedKernel;
  inputs: Data[];
  outputs: Data[];
}

interface Plan {
  steps: Step[];
  wasmBytes: number;
  bufferBytes: number;
  values: Map<string, ValueMeta>;
  buffers: Map<string, Data>;
}

type DataArray = {
  new (buffer: ArrayBuffer, offset: number, length: number): Data;
  readonly BYTES_PER_ELEMENT: number;
};

const ARRAY_OF: Partial<Record<DType, DataArray>> = {
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  int32: Int32Array,
  float32: Float32Array,
  int64: BigInt64Array,
};

export function createIntegerExecutor(model: Model, opts: IntegerExecutorOptions = {}): IntegerExecutor {
  const g = model.graph;
  const arithmetic = resolveArithmetic(model, opts);
  const order = topoSort(g);
  for (const node of order) {
    if (node.domain !== 'tflite' || !INTEGER_KERNELS.has(node.opType)) {
      throw new UnsupportedOpError(
        node.name,
        node.opType,
        [...INTEGER_KERNELS.keys()],
        'by the integer executor',
      );
    }
  }
  const inputs = g.runtimeInputs();
  const declared = Object.fromEntries(inputs.map((v) => [v.name, declaredShape(v)]));
  const plans = new Map<string, Plan>();
  const planFor = (shapes: Record<string, number[]>): Plan => {
    const key = JSON.stringify(inputs.map((v) => shapes[v.name]));
    let plan = plans.get(key);
    if (!plan) plans.set(key, (plan = buildPlan(g, order, arithmetic, shapes, opts)));
    return plan;
  };
  planFor(declared);
  return {
    arithmetic,
    inputNames: inputs.map((v) => v.name),
    outputNames: g.outputs.map((v) => v.name),
    get wasmBytes() {
      return [...plans.values()].reduce((n, p) => n + p.wasmBytes, 0);
    },
    get bufferBytes() {
      return [...plans.values()].reduce((n, p) => n + p.bufferBytes, 0);
    },
    run(feeds) {
      const shapes: Record<string, number[]> = {};
      for (const v of inputs) {
        const feed = feeds[v.name];
        if (!feed) throw new RangeError(`integer executor: no feed for input '${v.name}'`);
        shapes[v.name] = [...feed.dims];
      }
      const plan = planFor(shapes);
      for (const v of inputs) copyFeed(v.name, feeds[v.name]!, plan);
      for (const step of plan.steps) step.kernel.run(step.inputs, step.outputs);
      const result: Record<string, Tensor> = {};
      for (const v of g.outputs) result[v.name] = outputTensor(plan, v.name);
      return result;
    },
  };
}

function declaredShape(v: ValueInfo): number[] {
  const shape = v.type?.kind === 'tensor' ? (v.type.shape ?? []) : [];
  return shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
}

function buildPlan(
  g: Graph,
  order: Graph['nodes'],
  arith: Arithmetic,
  shapes: Record<string, number[]>,
  opts: IntegerExecutorOptions,
): Plan {
  const values = new Map<string, ValueMeta>();
  const buffers = new Map<string, Data>();
  for (const [name, t] of g.initializers) {
    const data = t.data as Data;
    values.set(name, { name, dtype: t.dtype, shape: [...t.dims], q: t.quant, data });
    buffers.set(name, data);
  }
  for (const v of g.runtimeInputs()) {
    const dtype = v.type?.kind === 'tensor' ? v.type.dtype : 'float32';
    values.set(v.name, { name: v.name, dtype, shape: shapes[v.name]!, q: v.quant });
  }
  let arena: WasmArena | undefined | null = null;
  const arenaOf = () =>
    arena === null ? (arena = opts.wasm !== false ? WasmArena.create(opts.tileBytes) : undefined) : arena;
  const prepared: ChainStep[] = [];
  for (const node of order) {
    const metas = node.inputs.map(
      (name) => (name ? values.get(name) : undefined) ?? emptyMeta(name, node.name),
    );
    const outputs: OutputSpec[] = node.outputs.map((name) => outputSpec(g, name));
    const cx: KernelContext = { node, arith, inputs: metas, outputs, arena: arenaOf };
    const kernel = INTEGER_KERNELS.get(node.opType)!.prepare(cx);
    kernel.outputs.forEach((out, i) => {
      const spec = outputs[i]!;
      if (spec.dtype && spec.dtype !== out.dtype)
        throw new Error(
          `integer executor: node '${node.name}' makes ${out.dtype} where the graph declares ${spec.dtype}`,
        );
      const q = spec.q ?? (out.dtype === metas[0]?.dtype ? metas[0]?.q : undefined);
      values.set(spec.name, { name: spec.name, dtype: out.dtype, shape: out.shape, q });
    });
    prepared.push({ inputs: node.inputs, outputs: node.outputs, kernel });
  }
  const planned = chainSteps(prepared, g.outputs, values);
  const bufferBytes = placeValues(g, planned, values, buffers);
  const steps: Step[] = planned.map(({ inputs, outputs, kernel }) => {
    const read = (name: string) => (name ? buffers.get(name)! : new Int8Array(0));
    return { kernel, inputs: inputs.map(read), outputs: outputs.map(read) };
  });
  const wasmArena = arena as WasmArena | undefined | null;
  wasmArena?.commitScratch();
  return { steps, values, buffers, wasmBytes: wasmArena?.bytes ?? 0, bufferBytes };
}

/**
 * The steps to run: a value that a chain of table steps derives from one source (lookup-chains.ts) is made
 * by one table from that source, and only when a graph output or another step reads it; the other steps
 * as prepared. The same int8 in every value that is read.
 */
function chainSteps(
  prepared: readonly ChainStep[],
  outputs: readonly ValueInfo[],
  values: Map<string, ValueMeta>,
): ChainStep[] {
  const derived = deriveChains(prepared);
  const read = new Set(outputs.map((v) => v.name));
  const kept: ChainStep[] = [];
  for (let i = prepared.length - 1; i >= 0; i--) {
    const step = prepared[i]!;
    const d = step.outputs.length === 1 ? derived.get(step.outputs[0]!) : undefined;
    if (!d) {
      kept.push(step);
      for (const name of step.inputs) read.add(name);
    } else if (read.has(step.outputs[0]!)) {
      const kernel = chainKernel(d, values.get(step.outputs[0]!)!.shape);
      kept.push({ inputs: [d.source], outputs: step.outputs, kernel });
      read.add(d.source);
    }
  }
  return kept.reverse();
}

function emptyMeta(name: string, node: string): ValueMeta {
  if (name) throw new Error(`integer executor: node '${node}' reads '${name}', which nothing produces`);
  return { name: '', dtype: 'int8', shape: [] };
}

function outputSpec(g: Graph, name: string): OutputSpec {
  const type = g.typeOf(name);
  const spec: OutputSpec = { name, q: g.quantOf(name) };
  if (type?.kind === 'tensor') {
    spec.dtype = type.dtype;
    if (type.shape?.every((d) => typeof d === 'number')) spec.shape = type.shape as number[];
  }
  return spec;
}

/**
 * The graph inputs' and node outputs' buffers (buffer-plan.ts): views into one ArrayBuffer, a value's
 * view shared by the reshapes that view it (PreparedOutput.aliasOfInput). PP-OCRv4 det at 640x640 held
 * every map of the graph at once (117 MB of int8 per executor, touched for the first time in its first
 * run), then 41 MB where only a value of the same type and length took a dead one's buffer; 10 MB now.
 * Returns the ArrayBuffer's size.
 */
function placeValues(
  g: Graph,
  planned: readonly ChainStep[],
  values: Map<string, ValueMeta>,
  buffers: Map<string, Data>,
): number {
  const lastRead = new Map<string, number>();
  planned.forEach((step, i) => step.inputs.forEach((name) => name && lastRead.set(name, i)));
  for (const v of g.outputs) lastRead.set(v.name, Infinity);
  const owners: (Lifetime & { name: string })[] = [];
  const owner = new Map<string, Lifetime>();
  const own = (name: string, first: number) => {
    const meta = values.get(name)!;
    const length = meta.shape.reduce((a, b) => a * b, 1);
    if (!ARRAY_OF[meta.dtype])
      throw new TypeError(`integer executor: value '${name}' is ${meta.dtype}, which it does not hold`);
    const bytes = length * ARRAY_OF[meta.dtype]!.BYTES_PER_ELEMENT;
    const v = { name, bytes, first, last: Math.max(first, lastRead.get(name) ?? -1) };
    owners.push(v);
    owner.set(name, v);
  };
  for (const v of g.runtimeInputs()) own(v.name, -1);
  const viewed = new Map<string, string>();
  planned.forEach(({ inputs, outputs, kernel }, i) =>
    kernel.outputs.forEach((out, j) => {
      const name = outputs[j]!;
      if (!out.aliasOfInput) return own(name, i);
      // A view of input 0, or of what that views: its owner lives until the view's last reader too (a
      // constant's view keeps the constant's array).
      const source = viewed.get(inputs[0]!) ?? inputs[0]!;
      viewed.set(name, source);
      const o = owner.get(source);
      if (o) o.last = Math.max(o.last, lastRead.get(name) ?? -1);
    }),
  );
  const { offsets, bytes } = placeBuffers(owners);
  const memory = new ArrayBuffer(bytes);
  owners.forEach((v, i) => {
    const meta = values.get(v.name)!;
    const Ctor = ARRAY_OF[meta.dtype]!;
    buffers.set(v.name, new Ctor(memory, offsets[i]!, v.bytes / Ctor.BYTES_PER_ELEMENT));
  });
  for (const [name, source] of viewed) buffers.set(name, buffers.get(source)!);
  return bytes;
}

function copyFeed(name: string, feed: Tensor, plan: Plan): void {
  const meta = plan.values.get(name)!;
  const buffer = plan.buffers.get(name)!;
  if (feed.dtype === meta.dtype) {
    (buffer as Int8Array).set(feed.data as Int8Array);
  } else if (
    (meta.dtype === 'int32' || meta.dtype === 'int64') &&
    (feed.dtype === 'int32' || feed.dtype === 'int64')
  ) {
    const src = feed.data as Int32Array | BigInt64Array;
    if (buffer instanceof BigInt64Array) for (let i = 0; i < src.length; i++) buffer[i] = BigInt(src[i]!);
    else for (let i = 0; i < src.length; i++) (buffer as Int32Array)[i] = Number(src[i]!);
  } else {
    throw new TypeError(`integer executor: input '${name}' is ${meta.dtype}, the feed is ${feed.dtype}`);
  }
}

function outputTensor(plan: Plan, name: string): Tensor {
  const meta = plan.values.get(name)!;
  const t = new Tensor(meta.dtype, meta.shape, plan.buffers.get(name)!.slice());
  t.quant = meta.q;
  return t;
}
