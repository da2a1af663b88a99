import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareOutputs,
  layerErrors,
  layersSettled,
  ortCandidates,
  ortReference,
  probedLayers,
} from '../../src/eval/evaluate.js';
import { APART_SESSION, pairedModel, pairedRun } from '../../src/eval/paired.js';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import type { Model } from '../../src/ir/graph.js';
import { optimize } from '../../src/passes/optimize.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { quantizeFloatModel } from '../../src/quant/quantize.js';
import { fileSamples, listSampleFiles } from '../../src/quant/samples.js';

/**
 * The paired session (float model and written QDQ file in one ONNX Runtime session, per-layer powers
 * reduced inside it) must report what the separate sessions report: the float reference and the .onnx's
 * outputs as their own sessions compute them, and per-layer SQNR as JavaScript computes it in float64
 * from both graphs' full maps (layerErrors), to within the float32 rounding of the in-runtime sums.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-paired-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function quantized(scheme: 'affine' | 'pow2'): Promise<{ float: Model; file: string }> {
  const float = optimize(readOnnxFile('examples/mobilenet_v1_bn.onnx')).model;
  const files = listSampleFiles('examples/mobilenet_v1_bn/samples').slice(0, 8);
  const calib = fileSamples(files, float.graph.runtimeInputs());
  const q = await quantizeFloatModel(
    float,
    {
      scheme,
      biasMode: 'B16',
      perChannel: scheme === 'affine',
      calibMethod: 'minmax',
      percentile: 99.99,
      exclude: [],
    },
    calib,
  );
  const file = path.join(dir, `${scheme}.onnx`);
  fs.writeFileSync(file, exportOnnx(q.model).bytes);
  return { float: q.floatReference, file };
}

const evalSamples = () =>
  fileSamples(
    listSampleFiles('examples/mobilenet_v1_bn/samples').slice(40, 44),
    readOnnxFile('examples/mobilenet_v1_bn.onnx').graph.runtimeInputs(),
  );

describe('pairedRun', () => {
  for (const scheme of ['affine', 'pow2'] as const) {
    it(`${scheme}: reference, .onnx outputs and per-layer SQNR equal the separate sessions'`, async () => {
      const { float, file } = await quantized(scheme);
      const qdq = readOnnxFile(file);
      const layers = { ...probedLayers(float, qdq.graph), samples: 4, settled: layersSettled };
      expect(layers.names.length).toBeGreaterThan(20);
      const paired = (await pairedRun(float, qdq, layers))!;
      expect(paired).toBeDefined();
      const together = await compareOutputs(paired.reference, { onnx: paired.onnx }, evalSamples());
      const measured = paired.layers();
      await paired.close();

      const reference = await ortReference(float);
      const { onnx } = await ortCandidates(file);
      const apart = await compareOutputs(reference, { onnx }, evalSamples());
      await reference.close();
      await onnx.close();
      const expected = await layerErrors(float, qdq, evalSamples(), 4);

      for (const [name, m] of Object.entries(apart.metrics.onnx!)) {
        const got = together.metrics.onnx![name]!;
        // The float part runs at 'basic' here, at 'all' apart: float rounding only.
        expect(Math.abs(got.sqnrDb - m.sqnrDb)).toBeLessThan(1e-3);
        expect(got.top1Agreement).toBe(m.top1Agreement);
      }
      expect(measured.map((l) => l.tensor).sort()).toEqual(expected.map((l) => l.tensor).sort());
      const want = new Map(expected.map((l) => [l.tensor, l.sqnrDb]));
      for (const l of measured) expect(Math.abs(l.sqnrDb - want.get(l.tensor)!)).toBeLessThan(0.01);
    });
  }

  it("lists the layers' sums last layer first, so that ORT's walk from the last-listed leaf reaches layer 0's first", async () => {
    const { float, file } = await quantized('affine');
    const qdq = readOnnxFile(file);
    const { names, twins } = probedLayers(float, qdq.graph);
    const { model, stats } = pairedModel(float, qdq, names, twins)!;
    // Layer of each sum node, in list order: the walk starts at the end of the list and goes backwards.
    const layerOf = (out: string) => Number(/^__pair\/(\d+)\//.exec(out)?.[1] ?? NaN);
    const listed = model.graph.nodes.map((n) => layerOf(n.outputs[0]!)).filter((l) => !Number.isNaN(l));
    expect(listed.length).toBe(3 * names.length);
    expect(listed.at(-1)).toBe(0);
    expect(listed).toEqual([...listed].sort((a, b) => b - a));
    // The outputs stay in layer order (signal, noise per layer), as pairedRun reads them.
    expect(stats.map(layerOf)).toEqual(names.flatMap((_, i) => [i, i]));
  });

  it('past the layer samples, runs the float model and the file of PairedThen apart at ORT level all', async () => {
    const { float, file } = await quantized('pow2');
    const qdq = readOnnxFile(file);
    // Layers on the first sample only: samples 2-4 come from the two sessions of PairedThen. Its file is
    // another one (the affine file of the same float model), so that where each output came from shows.
    const other = (await quantized('affine')).file;
    const layers = { ...probedLayers(float, qdq.graph), samples: 1, settled: layersSettled };
    const then = { float: exportOnnx(float).bytes, quantFile: other };
    const paired = (await pairedRun(float, qdq, layers, undefined, then))!;
    const got: { ref: Record<string, unknown>; onnx: Record<string, Float32Array> }[] = [];
    for await (const feeds of evalSamples().samples()) {
      const ref = await paired.reference.run(feeds);
      const onnx = await paired.onnx.run(feeds);
      got.push({
        ref: Object.fromEntries(Object.entries(ref).map(([k, t]) => [k, t.data])),
        onnx: Object.fromEntries(Object.entries(onnx).map(([k, o]) => [k, o.data])),
      });
    }
    expect(paired.layers().length).toBe(layers.names.length);
    await paired.close();
    // Expected: the float model and each file in ONNX Runtime at its default level ('all').
    const f = await createOrtSession(exportOnnx(float).bytes);
    const [q, o] = [await createOrtSession(file), await createOrtSession(other)];
    let i = 0;
    for await (const feeds of evalSamples().samples()) {
      const ref = await f.run(feeds);
      const onnx = await (i === 0 ? q : o).run(feeds);
      for (const [k, t] of Object.entries(onnx)) expect(got[i]!.onnx[k]).toEqual(t.data);
      // The first sample's float part ran at 'basic' in the paired graph: float rounding apart.
      if (i > 0) for (const [k, t] of Object.entries(ref)) expect(got[i]!.ref[k]).toEqual(t.data);
      i++;
    }
    for (const s of [f, q, o]) await s.close();
    expect(i).toBe(4);
  });

  it("opens PairedThen's sessions without ORT's memory pattern, which slows their second run too", () => {
    // A timing choice (see APART_SESSION: PP-OCRv4 det 640, the float model's second run 0.23 -> 0.05 s
    // CPU): the test above shows these sessions' outputs are ORT's at its default options all the same.
    expect(APART_SESSION.enableMemPattern).toBe(false);
    expect(APART_SESSION.graphOptimizationLevel ?? 'all').toBe('all');
  });

  it('declines graphs it cannot pair (different opsets) instead of building a wrong one', async () => {
    const { float, file } = await quantized('affine');
    const qdq = readOnnxFile(file);
    const other = { ...qdq, opsetImports: qdq.opsetImports.map((o) => ({ ...o, version: o.version + 1 })) };
    const { names, twins } = probedLayers(float, qdq.graph);
    expect(pairedModel(float, other, names, twins)).toBeUndefined();
  });

  it("fixes the paired graph's inputs at the data's shape, computing the same figures as with them dynamic", async () => {
    const { float, file } = await quantized('affine');
    // The example's batch made dynamic in both graphs, as PP-OCR's models declare theirs.
    const dynamic = (m: Model): Model => {
      const graph = m.graph.clone();
      graph.inputs = graph.inputs.map((v) =>
        v.type?.kind === 'tensor'
          ? { ...v, type: { ...v.type, shape: ['N', ...v.type.shape!.slice(1)] } }
          : v,
      );
      return { ...m, graph };
    };
    const [f, qdq] = [dynamic(float), dynamic(readOnnxFile(file))];
    const shapes = new Map([['input', [1, 3, 96, 96]]]);
    const { names, twins } = probedLayers(f, qdq.graph);
    const built = pairedModel(f, qdq, names, twins, shapes)!;
    const input = built.model.graph.inputs.find((v) => v.name === 'input')!;
    expect(input.type).toEqual({ kind: 'tensor', dtype: 'float32', shape: [1, 3, 96, 96] });
    expect(pairedModel(f, qdq, names, twins)!.model.graph.inputs[0]!.type).toMatchObject({
      shape: ['N', 3, 96, 96],
    });
    const run = async (inputShapes?: Map<string, number[]>) => {
      const layers = { ...probedLayers(f, qdq.graph), samples: 4, settled: () => false };
      const paired = (await pairedRun(f, qdq, layers, undefined, undefined, inputShapes))!;
      const c = await compareOutputs(paired.reference, { onnx: paired.onnx }, evalSamples());
      const measured = paired.layers();
      await paired.close();
      return { metrics: c.metrics, layers: measured };
    };
    expect(await run(shapes)).toEqual(await run());
  });
});
