import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ortCandidate, toNhwc, type Candidate } from '../eval/evaluate.js';
import { tfliteCandidate } from '../eval/evaluate-tflite.js';
import type { Model } from '../ir/graph.js';
import type { Feeds, SampleSource } from '../quant/calibrate.js';
import type { PrecisionCost } from '../report/types.js';
import { createOrtSession } from '../runtime/ort.js';
import { writeOutputs, type Produced } from './outputs.js';
import type { RunSettings } from './settings.js';

/** Timed inferences per file (after one untimed warm-up); the median is reported. */
const LATENCY_RUNS = 7;

/**
 * What mixed precision cost: each written file against the same format written from the model without
 * the search's exclusions (into a temporary folder, removed after), in bytes and in the median time of
 * one inference on the first evaluation sample, in the runtime a user deploys the file with (ONNX
 * Runtime with all its optimizations, as the .onnx ships; LiteRT). Timings are this machine's.
 */
export async function precisionCost(
  inputFormat: 'onnx' | 'tflite',
  base: Model,
  produced: Produced,
  o: RunSettings,
  inputShapes: Map<string, number[]>,
  samples: SampleSource,
): Promise<PrecisionCost[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'model-quant-precision-'));
  try {
    const formats = produced.files.map((f) => f.format);
    const without = await writeOutputs(
      inputFormat,
      base,
      { ...o, output: tmp, formats },
      inputShapes,
      'base',
      [],
    );
    const feeds = await firstSample(samples);
    const costs: PrecisionCost[] = [];
    for (const file of produced.files) {
      const other = without.files.find((f) => f.format === file.format);
      if (!other) continue;
      const cost: PrecisionCost = { format: file.format, bytes: file.bytes, bytesWithout: other.bytes };
      if (feeds) {
        const layout = (p: Produced) => (p.nhwc ? new Set(p.nhwc) : o.tfliteLayout);
        cost.latencyMs = await latency(file.path, feeds, layout(produced));
        cost.latencyMsWithout = await latency(other.path, feeds, layout(without));
      }
      costs.push(cost);
    }
    return costs;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function firstSample(source: SampleSource): Promise<Feeds | undefined> {
  for await (const feeds of source.samples()) return feeds;
  return undefined;
}

async function latency(
  file: string,
  feeds: Feeds,
  layout: 'nchw' | 'nhwc' | ReadonlySet<string>,
): Promise<number> {
  const c: Candidate = file.endsWith('.onnx')
    ? ortCandidate(await createOrtSession(file))
    : await tfliteCandidate(fs.readFileSync(file), layout, undefined, file);
  try {
    const input = c.nhwc ? toNhwc(feeds, c) : feeds;
    await c.run(input);
    const times: number[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      const t0 = performance.now();
      await c.run(input);
      times.push(performance.now() - t0);
    }
    return times.sort((a, b) => a - b)[LATENCY_RUNS >> 1]!;
  } finally {
    await c.close();
  }
}
