import type { Model } from '../ir/graph.js';
import { Tensor } from '../ir/tensor.js';
import { exportTflite } from '../formats/tflite/export.js';
import { loadTflite, type TfliteData } from '../runtime/litert.js';
import { importTflite } from '../formats/tflite/import.js';
import type { TfliteModelExtra } from '../formats/tflite/ir-extras.js';
import { createIntegerExecutor, type Rounding } from '../runtime/integer/index.js';
import { runnerFeeds } from '../quant/tflite/calibrate.js';
import type { Candidate, Outputs, Reference } from './evaluate.js';

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
  const runner =
    target.kind === 'litert' ? await litertRunner(tflite, file) : deviceRunner(tflite, target, file);
  if (typeof layout !== 'string') return { ...runner, nhwc: layout.size > 0, stored: layout };
  return { ...runner, nhwc: layout === 'nhwc', shapes: ioShapes(tflite) };
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
function deviceRunner(
  bytes: Uint8Array,
  target: { rounding: Rounding; biasMode: 'B8' | 'B16' },
  file: string,
): Candidate {
  let ex: ReturnType<typeof createIntegerExecutor> | undefined = createIntegerExecutor(
    importTflite(bytes, file),
    { scheme: 'pow2', rounding: target.rounding, biasMode: target.biasMode },
  );
  return {
    async run(feeds) {
      if (!ex) throw new Error('the integer executor was closed');
      const result: Outputs = {};
      for (const [k, o] of Object.entries(ex.run(feeds))) result[k] = { dims: o.dims, data: o.toFloat32() };
      return result;
    },
    // Dropped, so that what it holds (weights, buffers: ~270 MB at 640x640 on PP-OCRv4 det) can be collected.
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

const asFloat32 = (d: TfliteData): Float32Array =>
  d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>);

/** The file's input and output shapes by tensor name (which 4-D values it stores NHWC). */
function ioShapes(bytes: Uint8Array): Record<string, readonly number[]> {
  const g = importTflite(bytes, 'quantized.tflite').graph;
  const shapes: Record<string, readonly number[]> = {};
  for (const v of [...g.inputs, ...g.outputs]) {
    const shape = v.type?.kind === 'tensor' ? v.type.shape : undefined;
    if (shape?.every((d) => typeof d === 'number')) shapes[v.name] = shape as number[];
  }
  return shapes;
}
