import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import { importTflite } from '../../src/formats/tflite/import.js';
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

/** One op mapping under test: a small ONNX graph and the TFLite ops its float conversion must contain. */
export interface OpCase {
  name: string;
  build: (b: GraphBuilder) => void;
  ops: string[];
  /** TFLite ops the conversion must not contain (e.g. TRANSPOSE where layouts should cancel). */
  absent?: string[];
  opset?: number;
}

const TIMEOUT = 60_000;

/**
 * Each case converted float (LiteRT within 1e-5 relative of ONNX Runtime on the float graph) and
 * quantized affine (LiteRT within one step of ONNX Runtime running the QDQ graph on >= 99% of elements,
 * outputs the QDQ graph leaves float within 1e-5; the file obeys the int8 spec).
 */
export function describeOpCases(cases: OpCase[]): void {
  describe.each(cases)('$name', (c) => {
    const b = new GraphBuilder(7);
    c.build(b);
    const model = b.model(c.opset ?? 14);
    const source = () =>
      syntheticSamples(model.graph, 6, concreteInputShapes(model.graph, new Map()), new Map());

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

    it(
      'int8: LiteRT within one step of the QDQ graph in ONNX Runtime; the file obeys the int8 spec',
      async () => {
        const qdq = (await quantizeFloatModel(model, settings('affine'), source())).model;
        const { model: tfl } = convertModel(qdq);
        const bytes = writeTfliteFile(tfl, `op_${c.name}_int8`);
        expect(int8SpecViolations(importTflite(bytes))).toEqual([]);
        const feeds = await feedsOf(source());
        const [ref, got] = [await runOnnx(qdq, feeds), await runTflite(bytes, tfl, feeds)];
        const steps = outputSteps(qdq);
        if (steps.size) expect(agreement(ref, got, steps).withinOneStep).toBeGreaterThanOrEqual(0.99);
        const unquantized = (r: Record<string, Float32Array>) =>
          Object.fromEntries(Object.entries(r).filter(([k]) => !steps.has(k)));
        if (steps.size < qdq.graph.outputs.length)
          expect(relativeError(ref.map(unquantized), got.map(unquantized))).toBeLessThan(1e-5);
      },
      TIMEOUT,
    );
  });
}
