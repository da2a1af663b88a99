import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UnsupportedOpError } from '../../src/errors.js';
import { tfliteCandidate, type TfliteTarget } from '../../src/eval/evaluate-tflite.js';
import { valueBytes } from '../../src/runtime/integer/buffer-plan.js';
import type { Outputs } from '../../src/eval/evaluate.js';
import {
  AHEAD_BYTES,
  TfliteWorkers,
  workersAvailable,
  type RemoteCandidate,
} from '../../src/eval/remote-tflite.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { exportTflite } from '../../src/formats/tflite/export.js';
import { importTflite } from '../../src/formats/tflite/import.js';
import { convertToTflite } from '../../src/convert/index.js';
import { parseOptions } from '../../src/options.js';
import { optimize } from '../../src/passes/optimize.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import type { Feeds, SampleSource } from '../../src/quant/calibrate.js';
import { fileSamples, listSampleFiles } from '../../src/quant/samples.js';
import { KernelError } from '../../src/runtime/integer/kernels/common/params.js';

/**
 * The .tflite evaluated on worker threads (remote-tflite.ts) must give what the same candidates give on
 * the main thread: the same outputs, bit for bit, sample by sample, and the same errors (class and
 * message), which the pipeline sorts by class.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-remote-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const MODEL = 'examples/mobilenet_v1_bn.onnx';
const SAMPLES = 'examples/mobilenet_v1_bn/samples';
const flags = {
  input: MODEL,
  calib_data: SAMPLES,
  calib_samples: '8',
  input_scale: '10',
};

const candidate = TfliteWorkers.prototype.candidate;

const evalSamples = (): SampleSource =>
  fileSamples(listSampleFiles(SAMPLES).slice(40, 45), readOnnxFile(MODEL).graph.runtimeInputs());

let tflite: Uint8Array;
beforeAll(async () => {
  process.env.MODEL_QUANT_WORKERS = '0';
  try {
    const { report } = await quantizeModel(
      parseOptions({ ...flags, output: path.join(dir, 'file'), formats: 'tflite' }),
    );
    tflite = new Uint8Array(fs.readFileSync(report.outputs[0]!.path));
  } finally {
    delete process.env.MODEL_QUANT_WORKERS;
  }
});

async function inProcess(target: TfliteTarget | undefined, feeds: Feeds[]): Promise<Outputs[]> {
  const c = await tfliteCandidate(tflite, 'nchw', target);
  const out: Outputs[] = [];
  for (const f of feeds) out.push(await c.run(f));
  await c.close();
  return out;
}

/**
 * Each candidate in turn over `feeds` (its own `samples` first ones), closed after; `onReady` as each opens.
 * Outputs by key.
 */
async function runEach(
  remotes: Record<string, RemoteCandidate>,
  feeds: Feeds[],
  onReady?: () => void,
): Promise<Record<string, Outputs[]>> {
  const got: Record<string, Outputs[]> = {};
  for (const [key, r] of Object.entries(remotes)) {
    const c = await r.ready();
    onReady?.();
    got[key] = [];
    for (const f of feeds.slice(0, c.samples ?? feeds.length)) got[key].push(await c.run(f));
    await c.close();
  }
  return got;
}

/**
 * LiteRT's candidate in lane 0, then the device's and the truncating one's (first 2 samples) in lane 1,
 * each run in turn; each output must equal the in-process one. Returns the worker count as each opened
 * and the outputs.
 */
async function litertThenDeviceLane(
  workers: TfliteWorkers,
): Promise<{ counts: number[]; got: Record<string, Outputs[]> }> {
  const device: TfliteTarget = { kind: 'device', rounding: 'nearest', biasMode: 'B16' };
  const truncating: TfliteTarget = { ...device, rounding: 'floor' };
  const remote = {
    litert: workers.candidate(0, { bytes: tflite, layout: 'nchw' }),
    device: workers.candidate(1, { bytes: tflite, layout: 'nchw', target: device }),
    truncating: workers.candidate(1, { bytes: tflite, layout: 'nchw', target: truncating, samples: 2 }),
  };
  expect(workers.workerCount).toBe(1);
  const feeds: Feeds[] = [];
  for await (const f of workers.prefetching(evalSamples()).samples()) feeds.push(f);
  const counts: number[] = [];
  const got = await runEach(remote, feeds, () => counts.push(workers.workerCount));
  expect(got.litert).toEqual(await inProcess(undefined, feeds));
  expect(got.device).toEqual(await inProcess(device, feeds));
  expect(got.truncating).toEqual(await inProcess(truncating, feeds.slice(0, 2)));
  return { counts, got };
}

describe('TfliteWorkers', () => {
  it('is available here (two cores or more, the worker entry beside the module)', () => {
    expect(workersAvailable()).toBe(true);
  });

  it('runs LiteRT and the device in two lanes, each output equal to the in-process one', async () => {
    const device: TfliteTarget = { kind: 'device', rounding: 'nearest', biasMode: 'B16' };
    const truncating: TfliteTarget = { ...device, rounding: 'floor' };
    const workers = TfliteWorkers.start([true, false])!;
    try {
      // Lane 0: LiteRT, then the truncating device on the first two samples; lane 1: the device.
      const remote = {
        litert: workers.candidate(0, { bytes: tflite, layout: 'nchw' }),
        device: workers.candidate(1, { bytes: tflite, layout: 'nchw', target: device }),
        truncating: workers.candidate(0, { bytes: tflite, layout: 'nchw', target: truncating, samples: 2 }),
      };
      const feeds: Feeds[] = [];
      for await (const f of workers.prefetching(evalSamples()).samples()) feeds.push(f);
      expect(feeds.length).toBe(5);
      const got: Record<string, Outputs[]> = {};
      for (const [key, r] of Object.entries(remote)) {
        const c = await r.ready();
        got[key] = [];
        for (const f of feeds.slice(0, c.samples ?? feeds.length)) got[key].push(await c.run(f));
        await c.close();
      }
      expect(got.litert).toEqual(await inProcess(undefined, feeds));
      expect(got.device).toEqual(await inProcess(device, feeds));
      expect(got.truncating).toEqual(await inProcess(truncating, feeds.slice(0, 2)));
      // The device's and LiteRT's figures differ (else the comparison above could not tell them apart).
      expect(got.device).not.toEqual(got.litert);
    } finally {
      await workers.close();
    }
  });

  it('retires a lane once its candidates are done and only then starts the lane after it (a file computing more than aheadBytes); outputs as in-process', async () => {
    const workers = TfliteWorkers.start(
      [
        { litert: true, retire: true },
        { litert: false, after: 0 },
      ],
      undefined,
      0,
    )!;
    try {
      const { counts, got } = await litertThenDeviceLane(workers);
      // LiteRT's worker alone, then the device lane's alone (LiteRT's gone before it started).
      expect(counts).toEqual([1, 1, 1]);
      // The two roundings differ (else the comparisons could not tell the lanes' candidates apart).
      expect(got.truncating).not.toEqual(got.device!.slice(0, 2));
    } finally {
      await workers.close();
    }
  });

  it('starts the lane after one as soon as that lane has opened a small file (at most aheadBytes); outputs as in-process', async () => {
    expect(valueBytes(importTflite(tflite).graph)).toBeLessThanOrEqual(AHEAD_BYTES);
    const workers = TfliteWorkers.start([
      { litert: true, retire: true },
      { litert: false, after: 0 },
    ])!;
    try {
      const { counts } = await litertThenDeviceLane(workers);
      // Both workers once LiteRT's candidate is open: the device lane did not wait for LiteRT's end.
      expect(counts[0]).toBe(2);
    } finally {
      await workers.close();
    }
  });

  it('gives a LiteRT candidate the main thread waits on a helper for its last samples; outputs as in-process', async () => {
    // afterMs 0: a helper whatever the pace; heldBytes 0: the lane runs at most IN_FLIGHT samples ahead
    // of the reading, so that samples are left for the helper when the main thread starts reading.
    const workers = TfliteWorkers.start([true], { afterMs: 0, heldBytes: 0 })!;
    const device: TfliteTarget = { kind: 'device', rounding: 'nearest', biasMode: 'B16' };
    try {
      const litert = workers.candidate(0, { bytes: tflite, layout: 'nchw' });
      // After it in the same lane, a device candidate (no helper: the integer executor's memory).
      const after = workers.candidate(0, { bytes: tflite, layout: 'nchw', target: device, samples: 3 });
      const many = fileSamples(
        listSampleFiles(SAMPLES).slice(20, 44),
        readOnnxFile(MODEL).graph.runtimeInputs(),
      );
      const feeds: Feeds[] = [];
      for await (const f of workers.prefetching(many).samples()) feeds.push(f);
      const got: Record<string, Outputs[]> = { litert: [], device: [] };
      const c = await litert.ready();
      for (const f of feeds) got.litert!.push(await c.run(f));
      await c.close();
      const helped = workers.helperSamples;
      const d = await after.ready();
      for (const f of feeds.slice(0, 3)) got.device!.push(await d.run(f));
      await d.close();
      expect(helped).toBeGreaterThan(0);
      expect(helped).toBeLessThan(feeds.length);
      expect(workers.helperSamples).toBe(helped);
      expect(got.litert).toEqual(await inProcess(undefined, feeds));
      expect(got.device).toEqual(await inProcess(device, feeds.slice(0, 3)));
    } finally {
      await workers.close();
    }
  });

  it("opens a lane's later candidates of a small file while its first one waits; outputs as in-process", async () => {
    const device: TfliteTarget = { kind: 'device', rounding: 'nearest', biasMode: 'B16' };
    const truncating: TfliteTarget = { ...device, rounding: 'floor' };
    const workers = TfliteWorkers.start([true])!;
    try {
      const litert = workers.candidate(0, { bytes: tflite, layout: 'nchw' });
      const later = {
        device: workers.candidate(0, { bytes: tflite, layout: 'nchw', target: device }),
        truncating: workers.candidate(0, { bytes: tflite, layout: 'nchw', target: truncating, samples: 2 }),
      };
      // No sample read yet: LiteRT cannot be done, and one at a time the device would not open before it.
      await litert.ready();
      await later.device.ready();
      await later.truncating.ready();
      const feeds: Feeds[] = [];
      for await (const f of workers.prefetching(evalSamples()).samples()) feeds.push(f);
      const got = await runEach({ litert, ...later }, feeds);
      expect(got.litert).toEqual(await inProcess(undefined, feeds));
      expect(got.device).toEqual(await inProcess(device, feeds));
      expect(got.truncating).toEqual(await inProcess(truncating, feeds.slice(0, 2)));
    } finally {
      await workers.close();
    }
  });

  it("opens a small file's candidate given after its lane opened that file ahead too, and says how small", async () => {
    // The pipeline's truncating device: given to LiteRT's lane once LiteRT's open has said the file is
    // small (its valueBytes, the integer executor's values as buffer-plan.ts places them).
    const truncating: TfliteTarget = { kind: 'device', rounding: 'floor', biasMode: 'B16' };
    const workers = TfliteWorkers.start([true])!;
    try {
      const litert = await workers.candidate(0, { bytes: tflite, layout: 'nchw' }).ready();
      const expected = (await tfliteCandidate(tflite, 'nchw', { kind: 'litert' })).valueBytes;
      expect(expected).toBeGreaterThan(0);
      expect(litert.valueBytes).toBe(expected);
      const later = workers.candidate(0, { bytes: tflite, layout: 'nchw', target: truncating, samples: 2 });
      // No sample read: LiteRT is not done, so only an open ahead can open it (well under a second).
      const waited = await Promise.race([
        later.ready().then(() => 'opened'),
        new Promise((y) => setTimeout(() => y('waiting'), 3000)),
      ]);
      expect(waited).toBe('opened');
    } finally {
      await workers.close();
    }
  });

  it('keeps the samples read while reserved, for a candidate given after they were run', async () => {
    const device: TfliteTarget = { kind: 'device', rounding: 'floor', biasMode: 'B16' };
    const workers = TfliteWorkers.start([true])!;
    try {
      const reserved = workers.reserve();
      const litert = workers.candidate(0, { bytes: tflite, layout: 'nchw' });
      const feeds: Feeds[] = [];
      for await (const f of workers.prefetching(evalSamples()).samples()) feeds.push(f);
      const first = await runEach({ litert }, feeds);
      // Every sample read and run by the one candidate there was: only the reservation keeps them.
      const later = workers.candidate(0, { bytes: tflite, layout: 'nchw', target: device, samples: 3 });
      reserved();
      const got = await runEach({ later }, feeds);
      expect(first.litert).toEqual(await inProcess(undefined, feeds));
      expect(got.later).toEqual(await inProcess(device, feeds.slice(0, 3)));
    } finally {
      await workers.close();
    }
  });

  it('opens them one at a time where the file computes more than aheadBytes', async () => {
    const device: TfliteTarget = { kind: 'device', rounding: 'nearest', biasMode: 'B16' };
    const workers = TfliteWorkers.start([true], undefined, 0)!;
    try {
      const litert = workers.candidate(0, { bytes: tflite, layout: 'nchw' });
      const later = workers.candidate(0, { bytes: tflite, layout: 'nchw', target: device });
      await litert.ready();
      // Long enough for an executor of this file to open (the test above: well under a second).
      const waited = await Promise.race([
        later.ready().then(() => 'opened'),
        new Promise((y) => setTimeout(() => y('waiting'), 3000)),
      ]);
      expect(waited).toBe('waiting');
    } finally {
      await workers.close();
    }
  });

  it('reads `ahead` samples at once, before the first pass asks; each sample read once, outputs as in-process', async () => {
    const workers = TfliteWorkers.start([true])!;
    try {
      const source = evalSamples();
      let reads = 0;
      const counted: SampleSource = {
        ...source,
        async *samples() {
          for await (const f of source.samples()) {
            reads++;
            yield f;
          }
        },
      };
      const litert = workers.candidate(0, { bytes: tflite, layout: 'nchw' });
      const prefetched = workers.prefetching(counted, 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(reads).toBe(2);
      const feeds: Feeds[] = [];
      for await (const f of prefetched.samples()) feeds.push(f);
      expect(reads).toBe(5);
      const direct: Feeds[] = [];
      for await (const f of evalSamples().samples()) direct.push(f);
      expect(feeds).toEqual(direct);
      const c = await litert.ready();
      const got: Outputs[] = [];
      for (const f of feeds) got.push(await c.run(f));
      await c.close();
      expect(got).toEqual(await inProcess(undefined, feeds));
    } finally {
      await workers.close();
    }
  });

  it('rethrows what opening threw in the worker as the same class, with the same message', async () => {
    // The float model as a .tflite: the integer executor has no kernel for float tensors.
    const float = exportTflite(convertToTflite(optimize(readOnnxFile(MODEL)).model));
    const target: TfliteTarget = { kind: 'device', rounding: 'nearest', biasMode: 'B16' };
    const expected = await tfliteCandidate(float, 'nchw', target).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(expected instanceof UnsupportedOpError || expected instanceof KernelError).toBe(true);
    const workers = TfliteWorkers.start([false])!;
    try {
      const r = workers.candidate(0, { bytes: float, layout: 'nchw', target });
      const got = await r.ready().then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(got).toBeInstanceOf(expected!.constructor);
      expect(got!.message).toBe(expected!.message);
    } finally {
      await workers.close();
    }
  });
});

describe('quantizeModel with the .tflite evaluated on workers', () => {
  it('reports the figures the in-process evaluation reports (pow2: LiteRT, device, truncating)', async () => {
    const run = async (workers: '0' | '1') => {
      process.env.MODEL_QUANT_WORKERS = workers;
      try {
        const { report } = await quantizeModel(parseOptions({ ...flags, output: path.join(dir, workers) }));
        return report;
      } finally {
        delete process.env.MODEL_QUANT_WORKERS;
      }
    };
    const [apart, remote] = [await run('0'), await run('1')];
    const figures = (r: typeof apart) => ({
      outputs: r.outputs.map((o) => ({ format: o.format, metrics: o.metrics })),
      device: r.device,
      layers: r.layers,
      accuracy: r.accuracy,
      warnings: r.warnings,
    });
    expect(figures(remote).device?.metrics).toBeDefined();
    expect(figures(remote)).toEqual(figures(apart));
  });

  it("runs a small file's truncating device in LiteRT's lane, beside the device's (pow2)", async () => {
    const lanes: { lane: number; rounding?: string }[] = [];
    const spy = vi.spyOn(TfliteWorkers.prototype, 'candidate').mockImplementation(function (
      this: TfliteWorkers,
      lane,
      spec,
    ) {
      lanes.push({ lane, ...(spec.target?.kind === 'device' ? { rounding: spec.target.rounding } : {}) });
      return candidate.call(this, lane, spec);
    });
    process.env.MODEL_QUANT_WORKERS = '1';
    try {
      await quantizeModel(parseOptions({ ...flags, output: path.join(dir, 'lanes') }));
    } finally {
      delete process.env.MODEL_QUANT_WORKERS;
      spy.mockRestore();
    }
    // LiteRT and the truncating device in lane 0, the device in lane 1.
    expect(lanes).toEqual([{ lane: 0 }, { lane: 1, rounding: 'nearest' }, { lane: 0, rounding: 'floor' }]);
  });
});
