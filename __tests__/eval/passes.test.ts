import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  compareOutputs,
  ortCandidate,
  ortReference,
  probedLayers,
  type Candidate,
  type Reference,
} from '../../src/eval/evaluate.js';
import { pairedModel } from '../../src/eval/paired.js';
import { comparePasses } from '../../src/eval/passes.js';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import type { Model } from '../../src/ir/graph.js';
import { optimize } from '../../src/passes/optimize.js';
import { dropWeights } from '../../src/pipeline/evaluate-files.js';
import { quantizeFloatModel } from '../../src/quant/quantize.js';
import { fileSamples, listSampleFiles } from '../../src/quant/samples.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { settings } from '../quant/tflite/helpers.js';

/**
 * Evaluation pass by pass (comparePasses): the written files' runtimes opened one pass at a time, the float
 * model's outputs recorded in the first pass and replayed to the others. Every figure must equal what one
 * pass with all candidates open gives (compareOutputs), with the float model run once per sample.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-passes-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const floatModel = () => optimize(readOnnxFile('examples/mobilenet_v1_bn.onnx')).model;
const samples = (from: number, to: number) =>
  fileSamples(
    listSampleFiles('examples/mobilenet_v1_bn/samples').slice(from, to),
    readOnnxFile('examples/mobilenet_v1_bn.onnx').graph.runtimeInputs(),
  );

async function quantizedFile(): Promise<{ float: Model; file: string }> {
  const q = await quantizeFloatModel(floatModel(), settings(), samples(0, 8));
  const file = path.join(dir, 'affine.onnx');
  fs.writeFileSync(file, exportOnnx(q.model).bytes);
  return { float: q.floatReference, file };
}

/** The float reference, counting its runs. */
function counted(r: Reference): Reference & { runs: number } {
  const c = { outputNames: r.outputNames, runs: 0, run: r.run, close: () => r.close() };
  c.run = (feeds) => {
    c.runs++;
    return r.run(feeds);
  };
  return c;
}

describe('comparePasses', () => {
  it('gives the one-pass figures, the float model running once per sample and one pass open at a time', async () => {
    const { float, file } = await quantizedFile();
    const open = new Set<string>();
    let most = 0;
    // Two runtimes on the written file, as the pipeline opens them: exact ('basic') and ORT's fused kernels.
    const opened = async (key: string, level: 'basic' | 'all'): Promise<Record<string, Candidate>> => {
      const c = ortCandidate(await createOrtSession(file, { graphOptimizationLevel: level }));
      open.add(key);
      most = Math.max(most, open.size);
      return { [key]: { ...c, close: () => (open.delete(key), c.close()) } };
    };
    const passes = [() => opened('onnx', 'basic'), () => opened('native', 'all')];
    const source = samples(40, 46);

    const reference = counted(await ortReference(float));
    const byPass = await comparePasses(reference, passes, source);
    expect(reference.runs).toBe(6);
    expect(most).toBe(1);
    expect(open.size).toBe(0);

    const again = counted(await ortReference(float));
    // Nothing may be kept: the reference runs again for the second pass.
    const streamed = await comparePasses(again, passes, source, { replayBytes: 0 });
    expect(again.runs).toBe(12);

    const both = { ...(await passes[0]!()), ...(await passes[1]!()) };
    const onePass = await compareOutputs(reference, both, source);
    for (const c of Object.values(both)) await c.close();
    await reference.close();
    await again.close();
    expect(byPass.metrics).toEqual(onePass.metrics);
    expect(byPass.referenceRms).toEqual(onePass.referenceRms);
    expect(streamed.metrics).toEqual(onePass.metrics);
    expect(Object.keys(byPass.metrics)).toEqual(['onnx', 'native']);
  });
});

describe('pairedModel', () => {
  it('lists the weight DequantizeLinear nodes ahead of every other node', async () => {
    // ORT orders the graph depth first from the outputs, taking a node's highest-listed input first: a
    // weight dequantized after the activation chain is listed would be computed ahead of the whole chain,
    // and every weight's float copy would live at once.
    const { float, file } = await quantizedFile();
    const qdq = readOnnxFile(file);
    const { names, twins } = probedLayers(float, qdq.graph);
    const built = pairedModel(float, qdq, names, twins)!;
    const nodes = built.model.graph.nodes;
    const isWeight = (n: (typeof nodes)[number]) =>
      n.opType === 'DequantizeLinear' && built.model.graph.initializers.has(n.inputs[0]!);
    const weights = qdq.graph.nodes.filter(
      (n) => n.opType === 'DequantizeLinear' && qdq.graph.initializers.has(n.inputs[0]!),
    ).length;
    expect(weights).toBeGreaterThan(10);
    expect(nodes.slice(0, weights).every(isWeight)).toBe(true);
    expect(nodes.slice(weights).some(isWeight)).toBe(false);
  });
});

describe('dropWeights', () => {
  it("drops every initializer but inputs' defaults, counting shared tensors once", () => {
    const a = floatModel();
    const b = { ...a, graph: a.graph.clone() };
    const total = [...a.graph.initializers.values()].reduce(
      (s, t) => s + (t.data as Float32Array).byteLength,
      0,
    );
    a.graph.inputs.push({ name: [...a.graph.initializers.keys()][0]! });
    const kept = a.graph.inputs.at(-1)!.name;
    const keptBytes = (a.graph.initializers.get(kept)!.data as Float32Array).byteLength;
    expect(dropWeights([a, b, undefined])).toBe(total);
    expect([...a.graph.initializers.keys()]).toEqual([kept]);
    expect(b.graph.initializers.size).toBe(0);
    expect(keptBytes).toBeGreaterThan(0);
  });
});
