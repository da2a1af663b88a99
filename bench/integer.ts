/**
 * Integer executor speed: images per second on the MobileNetV1 example quantized (affine and pow2) and
 * converted to int8 TFLite, next to LiteRT's speed on the same file (one thread, WASM). The limit: the
 * executor within 10x of LiteRT.
 */
import path from 'node:path';
import { convertToTflite } from '../src/convert/index.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { exportTflite } from '../src/formats/tflite/export.js';
import { importTflite } from '../src/formats/tflite/import.js';
import type { Tensor } from '../src/ir/tensor.js';
import { optimize } from '../src/passes/optimize.js';
import { quantizeFloatModel, type QuantSettings } from '../src/quant/quantize.js';
import { fileSamples, listSampleFiles } from '../src/quant/samples.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../src/runtime/integer/index.js';
import { loadTflite } from '../src/runtime/litert.js';
import { ROOT, table, type BenchSection } from './section.js';

const LIMIT = 10;
const MODEL = 'examples/mobilenet_v1_bn.onnx';
const SAMPLES = 'examples/mobilenet_v1_bn/samples';
const WARMUP = 5;
const ROUNDS = 6;
const WINDOW_MS = 500;

async function int8Tflite(
  scheme: 'affine' | 'pow2',
): Promise<{ bytes: Uint8Array; feeds: Record<string, Tensor>[] }> {
  const float = optimize(readOnnxFile(path.join(ROOT, MODEL))).model;
  const files = listSampleFiles(path.join(ROOT, SAMPLES)).slice(0, 8);
  const source = fileSamples(files, float.graph.runtimeInputs());
  const settings: QuantSettings = {
    scheme,
    biasMode: 'B16',
    perChannel: true,
    calibMethod: 'minmax',
    percentile: 99.99,
    exclude: [],
  };
  const quantized = await quantizeFloatModel(float, settings, source);
  const feeds: Record<string, Tensor>[] = [];
  for await (const s of source.samples()) feeds.push(s);
  return { bytes: exportTflite(convertToTflite(quantized.model)), feeds };
}

type Runner = (i: number) => unknown;

/**
 * Images per second of each runner, cycling over the feeds. The runners take turns in short windows over
 * several rounds and each keeps its best window, so that load from other processes on a shared machine
 * hits them alike and does not decide the ratio.
 */
async function rates(runners: Runner[]): Promise<number[]> {
  for (const run of runners) for (let i = 0; i < WARMUP; i++) await run(i);
  const best = runners.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, run] of runners.entries()) {
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < WINDOW_MS) await run(n++);
      best[k] = Math.max(best[k]!, (n * 1000) / (performance.now() - t0));
    }
  }
  return best;
}

async function measure(
  scheme: 'affine' | 'pow2',
  variants: [string, IntegerExecutorOptions][],
): Promise<string[][]> {
  const { bytes, feeds } = await int8Tflite(scheme);
  const runner = await loadTflite(bytes);
  const model = importTflite(bytes);
  const litert: Runner = (i) =>
    runner.run(runner.inputs.map((p) => feeds[i % feeds.length]![p.name]!.data as Float32Array));
  const ours = variants.map(([, opts]): Runner => {
    const ex = createIntegerExecutor(model, opts);
    return (i) => ex.run(feeds[i % feeds.length]!);
  });
  const [lite, ...mine] = await rates([litert, ...ours]);
  runner.close();
  const rows = [[`${scheme}: LiteRT (XNNPACK, 1 thread)`, lite!.toFixed(1), '1.0x', '']];
  variants.forEach(([label], k) => {
    const slower = lite! / mine[k]!;
    rows.push([
      `${scheme}: integer executor, ${label}`,
      mine[k]!.toFixed(1),
      `${slower.toFixed(1)}x`,
      slower <= LIMIT ? 'ok' : 'OVER',
    ]);
    if (slower > LIMIT) process.exitCode = 1;
  });
  return rows;
}

export const integerSection: BenchSection = {
  name: 'integer',
  description: `integer executor vs LiteRT on ${MODEL} (int8 TFLite, [1,3,96,96]); limit: within ${LIMIT}x of LiteRT`,
  async run() {
    const rows = [
      ...(await measure('affine', [
        ['affine (LiteRT kernels)', { affineKernels: 'litert' }],
        ['affine (TFLite reference)', { affineKernels: 'reference' }],
      ])),
      ...(await measure('pow2', [
        ['pow2 floor', { rounding: 'floor' }],
        ['pow2 nearest', { rounding: 'nearest' }],
      ])),
    ];
    console.log(table(['runtime', 'images/s', 'slower than LiteRT', `limit ${LIMIT}x`], rows));
  },
};
