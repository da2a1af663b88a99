/**
 * One pipeline measurement in a fresh process (so peak RSS is this case's own); prints one JSON line.
 *   latency <model> <quant.onnx> <shape>       ORT latency (median, min), float vs int8 QDQ, interleaved
 *   floor <model> <samples-dir|-> <n> <shape>  ORT alone running the float model over n samples
 *   pipeline <model> <samples-dir|-> <n> <shape> <out>  the whole quantizeModel run
 */
import fs from 'node:fs';
import { exportOnnx } from '../src/formats/onnx/export.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { parseOptions } from '../src/options.js';
import { optimize } from '../src/passes/optimize.js';
import { quantizeModel } from '../src/pipeline.js';
import { createOrtSession } from '../src/runtime/ort.js';
import { concreteInputShapes, fileSamples, listSampleFiles, syntheticSamples } from '../src/quant/samples.js';
import type { SampleSource } from '../src/quant/calibrate.js';
import type { Model } from '../src/ir/graph.js';

const [mode, modelPath, a, b, c, d] = process.argv.slice(2);

function source(model: Model, dir: string, n: number, shape: string): SampleSource {
  if (dir !== '-') return fileSamples(listSampleFiles(dir).slice(0, n), model.graph.runtimeInputs());
  const shapes = concreteInputShapes(
    model.graph,
    new Map(shape !== '-' ? [['*', shape.split('x').map(Number)]] : []),
  );
  return syntheticSamples(model.graph, n, shapes, new Map());
}

/**
 * Both models in one process, same session options (ORT's 'all' optimizations, its default thread count),
 * 10 warm-up runs each (not timed), then 100 rounds that run float and int8 one after the other, so load
 * from other processes falls on both alike. Median and minimum per model.
 */
async function latency(float: Model, quantFile: string, shape: string) {
  const feeds = (await source(float, '-', 1, shape).samples()[Symbol.asyncIterator]().next()).value;
  const f = await createOrtSession(exportOnnx(optimize(float).model).bytes);
  const q = await createOrtSession(quantFile);
  for (let i = 0; i < 10; i++) {
    await f.run(feeds);
    await q.run(feeds);
  }
  const [tf, tq]: number[][] = [[], []];
  const timed = async (s: typeof f, into: number[]) => {
    const t0 = performance.now();
    await s.run(feeds);
    into.push(performance.now() - t0);
  };
  for (let i = 0; i < 100; i++) {
    await timed(f, tf);
    await timed(q, tq);
  }
  const med = (t: number[]) => t.sort((x, y) => x - y)[t.length >> 1]!;
  return { floatMs: med(tf), int8Ms: med(tq), floatMinMs: tf[0]!, int8MinMs: tq[0]! };
}

async function floor(float: Model, dir: string, n: number, shape: string) {
  const s = await createOrtSession(exportOnnx(float).bytes);
  const t0 = performance.now();
  for await (const feeds of source(float, dir, n, shape).samples()) await s.run(feeds);
  return { ms: performance.now() - t0 };
}

const model = readOnnxFile(modelPath!);
let result: object;
if (mode === 'latency') result = await latency(model, a!, b!);
else if (mode === 'floor') result = await floor(model, a!, Number(b), c!);
else {
  const t0 = performance.now();
  const raw: Record<string, string> = { input: modelPath!, output: d!, calib_samples: b!, formats: 'onnx' };
  if (a !== '-') raw.calib_data = a!;
  if (c !== '-') raw.input_shape = c!;
  const { report } = await quantizeModel(parseOptions(raw));
  fs.rmSync(d!, { recursive: true, force: true });
  result = { ms: performance.now() - t0, timings: report.timingsMs, quantFile: report.outputs[0]!.path };
}
console.log(JSON.stringify({ ...result, maxRss: process.resourceUsage().maxRSS * 1024 }));
