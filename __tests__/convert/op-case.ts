import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import { importTflite } from '../../src/formats/tflite/import.js';
import type { Feeds, SampleSource } from '../../src/quant/calibrate.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { createIntegerExecutor } from '../../src/runtime/integer/index.js';
import { quantizeFloatModel } from '../../src/quant/quantize.js';
import { concreteInputShapes, syntheticSamples } from '../../src/quant/samples.js';
import { GraphBuilder } from '../helpers/graphs.js';
import {
  agreement,
  feedsOf,
  outputSteps,
  relativeError,
  runOnnx,
  runTflite,
  settings,
  writeTfliteFile,
} from './helpers.js';
import { int8SpecViolations } from './spec-check.js';

/**
 * One op conversion case: a small ONNX graph converted float (LiteRT within 1e-5 relative of ORT) and
 * quantized (LiteRT within one step of ORT running the QDQ graph, the file obeying the int8 spec).
 */
export interface OpCase {
  name: string;
  build: (b: GraphBuilder) => void;
  /** TFLite ops the float conversion must contain. */
  ops: string[];
  /** TFLite ops the conversion must not contain (e.g. TRANSPOSE where layouts should cancel). */
  absent?: string[];
  /** TFLite ops the int8 conversion keeps float: present in the int8 file, which has a DEQUANTIZE. */
  floatInInt8?: string[];
  opset?: number;
  /** The integer executor runs the int8 file too (a kernel was added): within one step of LiteRT. */
  executor?: boolean;
  /** Only the float conversion applies (the int8 form is refused; the case's own test says so). */
  floatOnly?: boolean;
  /** Samples' value range when the default (about -1..1) is wrong for the op (Log, Sqrt: positive). */
  positive?: boolean;
}

const TIMEOUT = 60_000;

/** Samples moved to |x| + 0.05: inputs of ops defined for positive values only (Log, Sqrt). */
async function* positive(s: SampleSource): AsyncIterable<Feeds> {
  for await (const feeds of s.samples()) {
    for (const t of Object.values(feeds)) {
      if (t.data instanceof Float32Array)
        for (let i = 0; i < t.data.length; i++) t.data[i] = Math.abs(t.data[i]!) + 0.05;
    }
    yield feeds;
  }
}

/** The integer executor ('litert' kernels) on the int8 file: its largest difference from LiteRT, in steps. */
function executorSteps(
  bytes: Uint8Array,
  feeds: Record<string, Tensor>[],
  lite: Record<string, Float32Array>[],
  steps: Map<string, number>,
): number {
  const exec = createIntegerExecutor(importTflite(bytes), { scheme: 'affine' });
  let worst = 0;
  feeds.forEach((f, i) => {
    const ours = exec.run(f);
    for (const [name, ref] of Object.entries(lite[i]!)) {
      const q = ours[name]!;
      const step = steps.get(name) ?? Math.max(...ref.map(Math.abs)) * 1e-5;
      const vals = q.toFloat32();
      for (let k = 0; k < ref.length; k++) worst = Math.max(worst, Math.abs(vals[k]! - ref[k]!) / step);
    }
  });
  return worst;
}

/** Runs every case both ways against ONNX Runtime and LiteRT; cases without an opset get `opset`. */
export function checkOpCases(cases: OpCase[], opset = 17): void {
  describe.each(cases)('$name', (c) => {
    const b = new GraphBuilder(7);
    c.build(b);
    const model = b.model(c.opset ?? opset);
    const source = () => {
      const s = syntheticSamples(model.graph, 6, concreteInputShapes(model.graph, new Map()), new Map());
      if (!c.positive) return s;
      return { ...s, samples: () => positive(s) };
    };

    it(
      'float: LiteRT within 1e-5 of ONNX Runtime',
      async () => {
        const { model: tfl } = convertModel(model);
        const ops = new Set(tfl.graph.nodes.map((n) => n.opType));
        for (const op of c.ops) expect(ops, op).toContain(op);
        for (const op of c.absent ?? []) expect(ops, op).not.toContain(op);
        // At most one TRANSPOSE per input into channels-last and one per output back to ONNX order.
        const io = [...tfl.graph.inputs, ...tfl.graph.outputs];
        const spatial = io.filter((v) => v.type?.kind === 'tensor' && (v.type.shape?.length ?? 0) >= 3);
        const transposes = tfl.graph.nodes.filter((n) => n.opType === 'TRANSPOSE').length;
        if (!c.ops.includes('TRANSPOSE')) expect(transposes).toBeLessThanOrEqual(spatial.length);
        const feeds = await feedsOf(source());
        const bytes = writeTfliteFile(tfl, `op_${c.name}_float`);
        const err = relativeError(await runOnnx(model, feeds), await runTflite(bytes, tfl, feeds));
        expect(err).toBeLessThan(1e-5);
      },
      TIMEOUT,
    );

    if (c.floatOnly) return;
    it(
      'int8: LiteRT within one step of the QDQ graph in ONNX Runtime; the file obeys the int8 spec',
      async () => {
        const qdq = (await quantizeFloatModel(model, settings('affine'), source())).model;
        const converted = convertModel(qdq);
        const tfl = converted.model;
        const bytes = writeTfliteFile(tfl, `op_${c.name}_int8`);
        expect(int8SpecViolations(importTflite(bytes))).toEqual([]);
        for (const op of c.floatInInt8 ?? []) {
          const n = tfl.graph.nodes.find((x) => x.opType === op);
          expect(n, op).toBeDefined();
          expect(tfl.graph.nodes.some((x) => x.opType === 'DEQUANTIZE')).toBe(true);
        }
        const feeds = await feedsOf(source());
        const [ref, got] = [await runOnnx(qdq, feeds), await runTflite(bytes, tfl, feeds)];
        const steps = outputSteps(qdq);
        if (steps.size) expect(agreement(ref, got, steps).withinOneStep).toBeGreaterThanOrEqual(0.99);
        if (c.executor) expect(executorSteps(bytes, feeds, got, steps)).toBeLessThanOrEqual(1);
        const unquantized = (r: Record<string, Float32Array>) =>
          Object.fromEntries(Object.entries(r).filter(([k]) => !steps.has(k)));
        if (steps.size < qdq.graph.outputs.length) {
          expect(relativeError(ref.map(unquantized), got.map(unquantized))).toBeLessThan(1e-5);
        }
      },
      TIMEOUT,
    );
  });
}
