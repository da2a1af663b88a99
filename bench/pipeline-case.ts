/**
 * One pipeline measurement in a fresh process (so peak RSS is this case's own); prints one JSON line.
 *   latency <model> <quant.onnx> <shape> [threads]  ORT latency (median, min), float vs int8 QDQ, interleaved
 *   floor <model> <samples-dir|-> <n> <shape>  ORT alone running the float model over n samples, and the
 *                                              time to read (or generate) the samples the pipeline reads
 *   pipeline <model> <samples-dir|-> <n> <shape> <out> [scheme]  the whole quantizeModel run
 *   floor-all <model> <samples-dir|-> <n> <shape>  the floor over every sample the run touches
 *                                                  (calibration and evaluation)
 * Times come as wall (ms) and CPU time of the process (cpuMs: user + system of all threads), which a
 * loaded machine disturbs less.
 */
import fs from 'node:fs';
import { exportOnnx } from '../src/formats/onnx/export.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { parseOptions } from '../src/options.js';
import { optimize } from '../src/passes/optimize.js';
import { quantizeModel } from '../src/pipeline/quantize-model.js';
import { createOrtSession } from '../src/runtime/ort.js';
import { concreteInputShapes, fileSamples, listSampleFiles, syntheticSamples } from '../src/quant/samples.js';
import { planData } from '../src/pipeline/data.js';
import type { Feeds, SampleSource } from '../src/quant/calibrate.js';
import type { Model } from '../src/ir/graph.js';

const [mode, modelPath, a, b, c, d, e] = process.argv.slice(2);

function source(model: Model, dir: string, n: number, shape: string): SampleSource {
  if (dir !== '-') return fileSamples(listSampleFiles(dir).slice(0, n), model.graph.runtimeInputs());
  const shapes = concreteInputShapes(
    model.graph,
    new Map(shape !== '-' ? [['*', shape.split('x').map(Number)]] : []),
  );
  return syntheticSamples(model.graph, n, shapes, new Map());
}

/**
 * Both models in one process, same session options (ORT's 'all' optimizations; its default thread count,
 * or `threads`), 10 warm-up runs each (not timed), then 100 rounds that run float and int8 one after the
 * other, so load from other processes falls on both alike. Median and minimum per model.
 */
async function latency(float: Model, quantFile: string, shape: string, threads?: number) {
  const feeds = (await source(float, '-', 1, shape).samples()[Symbol.asyncIterator]().next()).value;
  const opts = threads ? { intraOpNumThreads: threads } : {};
  const f = await createOrtSession(exportOnnx(optimize(float).model).bytes, opts);
  const q = await createOrtSession(quantFile, opts);
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

/**
 * The floor: what any calibrating quantizer pays at least, ONNX Runtime as a user runs it (the model file,
 * native onnxruntime-node, default session options and threads) creating a session and running the float
 * model over the n calibration samples, which are read beforehand. Reading them is timed apart, together
 * with the evaluation samples, as the sample I/O the pipeline also does (each set read once; synthetic
 * samples are generated instead).
 */
async function floor(float: Model, raw: Record<string, string>, withEvaluation = false) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const plan = await planData(float, parseOptions(raw));
  const calibration: Feeds[] = [];
  for await (const feeds of plan.calibration.samples()) calibration.push(feeds);
  if (plan.evaluation !== plan.calibration)
    for await (const feeds of plan.evaluation.samples()) if (withEvaluation) calibration.push(feeds);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const s = await createOrtSession(raw.input!);
  const t2 = performance.now();
  for (const feeds of calibration) await s.run(feeds);
  const t3 = performance.now();
  await s.close();
  const cpu = process.cpuUsage(c1);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    ms: t3 - t1,
    cpuMs,
    createMs: t2 - t1,
    runMs: t3 - t2,
    ioMs: t1 - t0,
    ioCpuMs: (process.cpuUsage(c0).user + process.cpuUsage(c0).system) / 1000 - cpuMs,
    samples: calibration.length,
  };
}

const model = readOnnxFile(modelPath!);
let result: object;
if (mode === 'latency') result = await latency(model, a!, b!, c ? Number(c) : undefined);
else {
  const raw: Record<string, string> = { input: modelPath!, output: d ?? '', calib_samples: b! };
  if (a !== '-') raw.calib_data = a!;
  if (c !== '-') raw.input_shape = c!;
  if (mode === 'floor' || mode === 'floor-all') result = await floor(model, raw, mode === 'floor-all');
  else {
    if (e) raw.scheme = e;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const { report } = await quantizeModel(parseOptions(raw));
    const t1 = performance.now();
    const cpu = process.cpuUsage(c0);
    fs.rmSync(d!, { recursive: true, force: true });
    result = {
      ms: t1 - t0,
      cpuMs: (cpu.user + cpu.system) / 1000,
      timings: report.timingsMs,
      quantFile: report.outputs[0]!.path,
    };
  }
}
console.log(JSON.stringify({ ...result, maxRss: process.resourceUsage().maxRSS * 1024 }));
