/**
 * One pipeline measurement in a fresh process (so peak RSS is this case's own); prints one JSON line.
 *   latency <model> <quant.onnx> <shape>       median ORT latency, float vs int8 QDQ
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

async function latency(float: Model, quantFile: string, shape: string) {
  const feeds = (await source(float, '-', 1, shape).samples()[Symbol.asyncIterator]().next()).value;
  const time = async (s: Awaited<ReturnType<typeof createOrtSession>>) => {
    for (let i = 0; i < 5; i++) await s.run(feeds);
    const t: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      await s.run(feeds);
      t.push(performance.now() - t0);
    }
    return t.sort((x, y) => x - y)[15]!;
  };
  const f = await createOrtSession(exportOnnx(optimize(float).model).bytes);
  const q = await createOrtSession(quantFile);
  return { floatMs: await time(f), int8Ms: await time(q) };
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
