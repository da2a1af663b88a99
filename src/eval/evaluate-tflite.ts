import type { Graph, Model, ValueInfo } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { exportTflite } from '../formats/tflite/export.js';
import { loadTflite, type TfliteData } from '../runtime/litert.js';
import { importTflite } from '../formats/tflite/import.js';
import type { TfliteModelExtra } from '../formats/tflite/ir-extras.js';
import { createIntegerExecutor, type Rounding } from '../runtime/integer/index.js';
import { valueBytes } from '../runtime/integer/buffer-plan.js';
import { runnerFeeds } from '../quant/tflite/calibrate.js';
import type { Candidate, Outputs, Reference } from './evaluate.js';
import type { Feeds } from '../quant/calibrate.js';

/**
 * A written .tflite as an evaluation candidate: in LiteRT, or in the project's integer executor (the pow2
 * "device"). `layout`: the inputs and outputs the file stores NHWC, as the converter reports them; or
 * the --tflite_layout it was written with (nhwc: 4-D inputs taken as NHWC and 4-D outputs transposed
 * back where the file's shapes say so; compareOutputs does both).
 */
export type TfliteTarget =
  { kind: 'litert' } | { kind: 'device'; rounding: Rounding; biasMode: 'B8' | 'B16' };

export async function tfliteCandidate(
  tflite: Uint8Array,
  layout: 'nchw' | 'nhwc' | ReadonlySet<string>,
  target: TfliteTarget = { kind: 'litert' },
  file = 'quantized.tflite',
): Promise<Candidate> {
  // Read once: the device executes this model; its edges and shapes are read off its graph.
  const model = importTflite(tflite, file);
  const plain = target.kind === 'litert' ? await litertRunner(tflite, file) : deviceRunner(model, target);
  const edged = integerEdges(plain, model.graph, target.kind === 'litert' ? 'even' : 'away');
  const runner = { ...edged, valueBytes: valueBytes(model.graph) };
  if (typeof layout !== 'string') return { ...runner, nhwc: layout.size > 0, stored: layout };
  return { ...runner, nhwc: layout === 'nhwc', shapes: ioShapes(model.graph) };
}

async function litertRunner(bytes: Uint8Array, file: string): Promise<Candidate> {
  const t = await loadTflite(bytes, file);
  return {
    async run(feeds) {
      const name = (p: (typeof t.inputs)[number], i: number) =>
        feeds[p.tensorName] ? p.tensorName : feeds[p.name] ? p.name : Object.keys(feeds)[i]!;
      const out = await t.run(runnerFeeds(t, t.inputs.map(name), feeds));
      const result: Outputs = {};
      // Keyed as the float model's outputs are: by tensor name, whatever the signature calls them.
      for (const port of t.outputs) {
        const o = out[port.name]!;
        result[port.tensorName] = { dims: o.shape, data: asFloat32(o.data) };
      }
      return result;
    },
    close: () => t.close(),
  };
}

/** The pow2 model in the original hardware's arithmetic (truncating shifts, B8/B16), bit-exact. */
function deviceRunner(model: Model, target: { rounding: Rounding; biasMode: 'B8' | 'B16' }): Candidate {
  let ex: ReturnType<typeof createIntegerExecutor> | undefined = createIntegerExecutor(model, {
    scheme: 'pow2',
    rounding: target.rounding,
    biasMode: target.biasMode,
  });
  return {
    async run(feeds) {
      if (!ex) throw new Error('the integer executor was closed');
      const result: Outputs = {};
      for (const [k, o] of Object.entries(ex.run(feeds))) result[k] = { dims: o.dims, data: o.toFloat32() };
      return result;
    },
    // Dropped, so that what it holds (weights, buffers, scratch: ~30 MB of RSS at 640x640 on PP-OCRv4 det,
    // 10 MB of them its values) can be collected.
    close: () => {
      ex = undefined;
    },
  };
}

/** A float TFLite model run in LiteRT: the reference when the input is a .tflite. */
export async function tfliteReference(m: Model): Promise<Reference> {
  const file = (m.extra?.tflite as TfliteModelExtra | undefined)?.file ?? 'float.tflite';
  const r = await loadTflite(exportTflite(m), file);
  return {
    outputNames: r.outputs.map((o) => o.tensorName),
    async run(feeds) {
      const out = await r.run(
        Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.data as TfliteData])),
      );
      return Object.fromEntries(
        r.outputs.map((p) => [
          p.tensorName,
          new Tensor('float32', out[p.name]!.shape, asFloat32(out[p.name]!.data)),
        ]),
      );
    },
    close: () => r.close(),
  };
}

/**
 * A file written with --io_type int8 takes int8 inputs and gives int8 outputs: it is run as its caller
 * runs it, the float samples quantized with each input's scale and zero point as LiteRT's QUANTIZE does
 * (x / scale in float32 rounded half to even, as ONNX's QuantizeLinear also rounds, plus the zero point,
 * clamped: the reference kernel's std::round would round the ties away from zero, and on PaddleOCR cls
 * one such tie in one input moved the output a step from the float-I/O file's); for the device, as the
 * integer executor's QUANTIZE does (the reference kernel's ties away from zero). Its outputs are
 * read back as (q - zero point) * scale. So it is scored against float like a float-I/O file, whose
 * QUANTIZE and DEQUANTIZE ops do the same inside. A file with float edges runs unchanged.
 */
function integerEdges(c: Candidate, g: Graph, ties: 'even' | 'away'): Candidate {
  const ins = integerValues(g, g.inputs);
  const outs = integerValues(g, g.outputs);
  if (!ins.size && !outs.size) return c;
  return {
    ...c,
    async run(feeds) {
      const fed: Feeds = { ...feeds };
      for (const [name, e] of ins) if (feeds[name]) fed[name] = quantizeEdge(feeds[name], e, ties);
      const out = await c.run(fed);
      for (const [name, e] of outs) {
        const o = out[name];
        if (o)
          out[name] = { dims: o.dims, data: o.data.map((v) => Math.fround((v - e.zeroPoint) * e.scale)) };
      }
      return out;
    },
  };
}

/**
 * The values of `vs` stored as integers with one scale, by name. A function of its own, so that the
 * candidate's closure holds these few numbers and not the graph (with its weights) they are read from.
 */
function integerValues(g: Graph, vs: readonly ValueInfo[]): Map<string, Edge> {
  const edges = new Map<string, Edge>();
  for (const v of vs) {
    const dtype = v.type?.kind === 'tensor' ? v.type.dtype : undefined;
    const q = g.quantOf(v.name);
    if ((dtype === 'int8' || dtype === 'uint8' || dtype === 'int16') && q?.scale.length === 1)
      edges.set(v.name, { dtype, scale: q.scale[0]!, zeroPoint: q.zeroPoint[0] ?? 0 });
  }
  return edges;
}

type Edge = { dtype: 'int8' | 'uint8' | 'int16'; scale: number; zeroPoint: number };

const EDGE_LIMITS = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767] } as const;

function quantizeEdge(t: Tensor, e: Edge, ties: 'even' | 'away'): Tensor {
  const [lo, hi] = EDGE_LIMITS[e.dtype];
  const x = t.toFloat32();
  const scale = Math.fround(e.scale);
  const q =
    e.dtype === 'int8'
      ? new Int8Array(x.length)
      : e.dtype === 'uint8'
        ? new Uint8Array(x.length)
        : new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const r = Math.fround(x[i]! / scale);
    const f = Math.floor(r);
    const up = ties === 'even' ? f % 2 !== 0 : r > 0;
    const rounded = r - f > 0.5 || (r - f === 0.5 && up) ? f + 1 : f;
    q[i] = Math.min(hi, Math.max(lo, rounded + e.zeroPoint));
  }
  return new Tensor(e.dtype, t.dims, q);
}

const asFloat32 = (d: TfliteData): Float32Array =>
  d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);

/** The file's input and output shapes by tensor name (which 4-D values it stores NHWC). */
function ioShapes(g: Graph): Record<string, readonly number[]> {
  const shapes: Record<string, readonly number[]> = {};
  for (const v of [...g.inputs, ...g.outputs]) {
    const shape = v.type?.kind === 'tensor' ? v.type.shape : undefined;
    if (shape?.every((d) => typeof d === 'number')) shapes[v.name] = shape as number[];
  }
  return shapes;
}
