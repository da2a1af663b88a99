import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import {
  atSampleShapes,
  calibrate,
  resultTensors,
  type Feeds,
  type SampleSource,
} from '../../src/quant/calibrate.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { GraphBuilder, randomTensor } from '../helpers/graphs.js';

/** x [1,16] -> MatMul -> Relu -> MatMul (logits) -> Softmax -> y */
function classifier() {
  const b = new GraphBuilder(7);
  const x = b.input('x', [1, 16]);
  const hidden = b.node('Relu', [b.node('MatMul', [x, b.weight('w1', [16, 32])])]);
  const logits = b.node('MatMul', [hidden, b.weight('w2', [32, 10], -2, 2)]);
  const y = b.node('Softmax', [logits]);
  b.output(y);
  return { model: b.model(), hidden, logits, y, random: b.random };
}

function samples(random: () => number, count: number): SampleSource {
  const all: Feeds[] = Array.from({ length: count }, () => ({ x: randomTensor([1, 16], random, -3, 3) }));
  return {
    count,
    kind: 'data',
    async *samples() {
      yield* all;
    },
  };
}

describe('calibration of result tensors', () => {
  it('resultTensors: the outputs and what reaches them through Softmax/Sigmoid/reshapes, nothing inside', () => {
    const { model, hidden, logits, y } = classifier();
    const r = resultTensors(model.graph);
    expect(r.has(y)).toBe(true);
    expect(r.has(logits)).toBe(true);
    expect(r.has(hidden)).toBe(false);
  });

  it('logits are calibrated by min/max widened by 1/8 of the range, not clipped by the percentile; inner tensors are', async () => {
    const { model, hidden, logits, random } = classifier();
    const src = samples(random, 50);
    const ranges = await calibrate(model, [hidden, logits], src, { method: 'percentile', percentile: 99 });
    // Independent min/max: the float model run by ONNX Runtime with both tensors as outputs.
    const g = model.graph.clone();
    g.outputs.push({ name: hidden }, { name: logits });
    const s = await createOrtSession(exportOnnx({ ...model, graph: g }).bytes);
    const seen = { [hidden]: [Infinity, -Infinity], [logits]: [Infinity, -Infinity] };
    for await (const feeds of src.samples()) {
      const out = await s.run(feeds);
      for (const t of [hidden, logits])
        for (const v of out[t]!.toFloat32()) {
          seen[t]![0] = Math.min(seen[t]![0]!, v);
          seen[t]![1] = Math.max(seen[t]![1]!, v);
        }
    }
    await s.close();
    const [lo, hi] = seen[logits]!;
    const w = (hi! - lo!) / 8;
    expect(ranges.get(logits)!.min).toBeCloseTo(lo! - w, 4);
    expect(ranges.get(logits)!.max).toBeCloseTo(hi! + w, 4);
    // percentile 99 on 1,600 ReLU outputs: the top 1% is cut
    expect(ranges.get(hidden)!.max).toBeLessThan(seen[hidden]![1]!);
  });

  it('affine loses no more than pow2 on mobilenet_v1_bn held-out samples (clipped logits cost affine 6 dB)', async () => {
    const sqnr = async (flags: Record<string, string>) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-cal-'));
      const { report } = await quantizeModel(
        parseOptions({
          input: 'examples/mobilenet_v1_bn.onnx',
          output: dir,
          calib_data: 'examples/mobilenet_v1_bn/samples',
          formats: 'onnx',
          ...flags,
        }),
      );
      return report.outputs[0]!.metrics!.output!.sqnrDb;
    };
    const affine = await sqnr({ scheme: 'affine' });
    // ORT figures: the pow2 file for runtimes that round (floor files carry the hardware's offsets).
    const pow2 = await sqnr({ scheme: 'pow2', bias_mode: 'B16', rounding: 'nearest' });
    expect(affine).toBeGreaterThanOrEqual(pow2);
  });
});

describe('calibration at the samples’ shapes', () => {
  it('a source that gives its samples’ shapes fixes the session’s inputs to them; the ranges are the same', async () => {
    // Batch declared dynamic (N): the source says every sample is [1, 16].
    const b = new GraphBuilder(11);
    const x = b.input('x', ['N', 16]);
    const hidden = b.node('Relu', [b.node('MatMul', [x, b.weight('w1', [16, 32])])]);
    b.output(b.node('MatMul', [hidden, b.weight('w2', [32, 10])]));
    const model = b.model();
    const plain = samples(b.random, 8);
    const shaped: SampleSource = { ...plain, shapes: new Map([['x', [1, 16]]]), samples: plain.samples };
    const fixed = atSampleShapes(model, shaped);
    const input = fixed.graph.inputs.find((v) => v.name === 'x')!;
    expect(input.type?.kind === 'tensor' && input.type.shape).toEqual([1, 16]);
    expect(atSampleShapes(model, plain)).toBe(model);
    for (const method of ['minmax', 'percentile'] as const) {
      const opts = { method, percentile: 99, reduction: true };
      const tensors = [x, hidden];
      expect(await calibrate(model, tensors, shaped, opts)).toEqual(
        await calibrate(model, tensors, plain, opts),
      );
    }
  });
});
