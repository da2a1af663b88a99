import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpyFile } from '../../src/data/npy.js';
import { readNpzFile } from '../../src/data/npz.js';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { Tensor } from '../../src/ir/tensor.js';
import { createOrtSession, type OrtSession } from '../../src/runtime/ort.js';
import { makeExamples } from '../../scripts/examples/index.js';
import { Random } from '../../scripts/examples/random.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples');
const MOBILENET = path.join(EXAMPLES, 'mobilenet_v1_bn.onnx');
const MMOE = path.join(EXAMPLES, 'mmoe.onnx');

function samples(dir: string): string[] {
  return fs
    .readdirSync(path.join(EXAMPLES, dir, 'samples'))
    .sort()
    .map((f) => path.join(EXAMPLES, dir, 'samples', f));
}

function floats(t: Tensor): number[] {
  return Array.from(t.data as Float32Array);
}

function std(v: number[]): number {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
}

/**
 * Mean SQNR (dB, per sample, then averaged) of each output when every weight tensor (float
 * initializer of rank 2 or more) gets seeded Gaussian noise of `relative` times its RMS, against the
 * unperturbed model, in ONNX Runtime. A trained network keeps per-channel int8 weights (about 1%) at
 * 25-35 dB; a chaotic one loses its outputs to far less.
 */
async function weightNoiseSqnr(
  file: string,
  reference: OrtSession,
  feeds: Record<string, Tensor>[],
  relative: number,
): Promise<Record<string, number>> {
  const model = readOnnxFile(file);
  const rng = new Random(4242);
  for (const [name, t] of [...model.graph.initializers]) {
    if (t.dtype !== 'float32' || t.dims.length < 2) continue;
    const w = t.data as Float32Array;
    const rms = Math.sqrt(w.reduce((a, v) => a + v * v, 0) / w.length);
    model.graph.initializers.set(
      name,
      Tensor.float32(
        t.dims,
        w.map((v) => v + rng.normal(0, relative * rms)),
      ),
    );
  }
  const noisy = await createOrtSession(exportOnnx(model).bytes, { intraOpNumThreads: 1 });
  const sums: Record<string, number> = {};
  try {
    for (const feed of feeds) {
      const want = await reference.run(feed);
      const got = await noisy.run(feed);
      for (const [name, t] of Object.entries(want)) {
        const a = floats(t);
        const b = floats(got[name]!);
        const signal = a.reduce((s, v) => s + v * v, 0);
        const noise = a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
        sums[name] = (sums[name] ?? 0) + (10 * Math.log10(signal / noise)) / feeds.length;
      }
    }
  } finally {
    await noisy.close();
  }
  return sums;
}

function opCount(file: string, opType: string): number {
  return readOnnxFile(file).graph.nodes.filter((n) => n.opType === opType).length;
}

describe('examples/mobilenet_v1_bn.onnx', () => {
  let session: OrtSession;
  const files = samples('mobilenet_v1_bn');
  beforeAll(async () => {
    session = await createOrtSession(MOBILENET, { intraOpNumThreads: 1 });
  });
  afterAll(() => session?.close());

  it('is a MobileNetV1 with BatchNorm left unfolded, opset 13, under 6 MiB', () => {
    const model = readOnnxFile(MOBILENET);
    expect(model.irVersion).toBe(8);
    expect(model.opsetImports).toEqual([{ domain: '', version: 13 }]);
    const convs = model.graph.nodes.filter((n) => n.opType === 'Conv');
    expect(convs).toHaveLength(27);
    expect(convs.filter((n) => n.attrs.group?.kind === 'int' && n.attrs.group.value > 1)).toHaveLength(13);
    expect(convs.every((n) => n.inputs.length === 2)).toBe(true);
    expect(opCount(MOBILENET, 'BatchNormalization')).toBe(27);
    expect(opCount(MOBILENET, 'Clip')).toBe(27);
    expect(model.graph.runtimeInputs().map((v) => v.name)).toEqual(['input']);
    expect(fs.statSync(MOBILENET).size).toBeLessThan(6 * 2 ** 20);
  });

  it('has BatchNorm statistics a trained net would have: positive variances of varied size, gamma around 1, small positive beta', () => {
    const g = readOnnxFile(MOBILENET).graph;
    const vars = [...g.initializers].filter(([n]) => n.endsWith('_bn.var')).flatMap(([, t]) => floats(t));
    const gammas = [...g.initializers].filter(([n]) => n.endsWith('_bn.scale')).flatMap(([, t]) => floats(t));
    const betas = [...g.initializers].filter(([n]) => n.endsWith('_bn.bias')).flatMap(([, t]) => floats(t));
    expect(vars.every((v) => v > 0)).toBe(true);
    expect(Math.max(...vars) / Math.min(...vars)).toBeGreaterThan(100);
    const meanGamma = gammas.reduce((a, b) => a + b, 0) / gammas.length;
    expect(meanGamma).toBeGreaterThan(0.8);
    expect(meanGamma).toBeLessThan(1.25);
    const meanBeta = betas.reduce((a, b) => a + b, 0) / betas.length;
    expect(meanBeta).toBeGreaterThan(0);
    expect(meanBeta).toBeLessThan(1);
  });

  it('has 48 image-like samples: smooth, ImageNet-normalized, not white noise', () => {
    expect(files).toHaveLength(48);
    for (const f of files) {
      const x = readNpyFile(f);
      expect(x.dtype).toBe('float32');
      expect(x.dims).toEqual([1, 3, 96, 96]);
      const v = floats(x);
      // Neighbouring pixels of a photo are strongly correlated; of white noise, not at all.
      let same = 0;
      let total = 0;
      for (let i = 0; i + 1 < v.length; i++) {
        if ((i + 1) % 96 === 0) continue;
        same += Math.abs(v[i + 1]! - v[i]!);
        total += Math.abs(v[i]!);
      }
      expect(same / total).toBeLessThan(0.25);
      // (x - mean) / std of 8-bit pixels: within [-2.12, 2.64].
      expect(Math.min(...v)).toBeGreaterThanOrEqual(-2.12);
      expect(Math.max(...v)).toBeLessThanOrEqual(2.65);
    }
  });

  it('runs in ONNX Runtime on every sample: softmax rows sum to 1 and differ between samples', async () => {
    const top: number[] = [];
    const peak: number[] = [];
    for (const f of files) {
      const { output } = await session.run({ input: readNpyFile(f) });
      expect(output!.dims).toEqual([1, 1000]);
      const p = floats(output!);
      expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      const best = p.indexOf(Math.max(...p));
      top.push(best);
      peak.push(p[best]!);
    }
    expect(new Set(top).size).toBeGreaterThan(10);
    expect(std(peak)).toBeGreaterThan(0.05);
    // Not near-uniform (1/1000), nor all certain.
    expect(Math.max(...peak)).toBeGreaterThan(0.3);
    expect(Math.min(...peak)).toBeLessThan(0.3);
  });

  it("is not chaotic: its output survives weight noise as a trained net's does", async () => {
    const feeds = files.map((f) => ({ input: readNpyFile(f) }));
    expect((await weightNoiseSqnr(MOBILENET, session, feeds, 0.001)).output).toBeGreaterThanOrEqual(40);
    expect((await weightNoiseSqnr(MOBILENET, session, feeds, 0.01)).output).toBeGreaterThanOrEqual(20);
  });
});

describe('examples/mmoe.onnx', () => {
  let session: OrtSession;
  const files = samples('mmoe');
  beforeAll(async () => {
    session = await createOrtSession(MMOE, { intraOpNumThreads: 1 });
  });
  afterAll(() => session?.close());

  it('is a multi-gate mixture of experts: two inputs with a symbolic batch, embedding lookup, 3 experts, 2 gates, 2 towers', () => {
    const model = readOnnxFile(MMOE);
    expect(model.opsetImports).toEqual([{ domain: '', version: 13 }]);
    expect(model.graph.inputs.map((v) => [v.name, v.type])).toEqual([
      ['dense', { kind: 'tensor', dtype: 'float32', shape: ['N', 16] }],
      ['ids', { kind: 'tensor', dtype: 'int64', shape: ['N', 4] }],
    ]);
    expect(model.graph.outputs.map((v) => v.name)).toEqual(['ctr', 'cvr']);
    expect(model.graph.initializers.get('embedding.weight')!.dims).toEqual([40000, 8]);
    expect(opCount(MMOE, 'Gather')).toBe(1);
    expect(opCount(MMOE, 'Softmax')).toBe(2);
    expect(opCount(MMOE, 'Sigmoid')).toBe(2);
    expect(
      model.graph.nodes.filter((n) => n.name.startsWith('expert') && n.opType === 'MatMul'),
    ).toHaveLength(6);
  });

  it('has 48 samples named by model input: standardized dense features, Zipf-distributed ids in the table', () => {
    expect(files).toHaveLength(48);
    const ids: number[] = [];
    const dense: number[] = [];
    for (const f of files) {
      const s = readNpzFile(f);
      expect(Object.keys(s).sort()).toEqual(['dense', 'ids']);
      expect([s.dense!.dtype, s.dense!.dims]).toEqual(['float32', [1, 16]]);
      expect([s.ids!.dtype, s.ids!.dims]).toEqual(['int64', [1, 4]]);
      ids.push(...s.ids!.toNumbers());
      dense.push(...floats(s.dense!));
    }
    expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < 40000)).toBe(true);
    // Each field owns 10000 rows; under Zipf its 10 most popular ids draw a large share of the lookups.
    expect(ids.filter((id) => id % 10000 < 10).length / ids.length).toBeGreaterThan(0.25);
    expect(new Set(ids).size).toBeGreaterThan(40);
    expect(std(dense)).toBeGreaterThan(0.7);
    expect(std(dense)).toBeLessThan(1.3);
  });

  it('runs in ONNX Runtime on every sample: sigmoid outputs in (0, 1) that differ between samples', async () => {
    const out: Record<'ctr' | 'cvr', number[]> = { ctr: [], cvr: [] };
    for (const f of files) {
      const r = await session.run(readNpzFile(f));
      for (const task of ['ctr', 'cvr'] as const) {
        expect(r[task]!.dims).toEqual([1, 1]);
        const v = floats(r[task]!)[0]!;
        expect(v).toBeGreaterThan(0);
        expect(v).toBeLessThan(1);
        out[task].push(v);
      }
    }
    expect(std(out.ctr)).toBeGreaterThan(0.02);
    expect(std(out.cvr)).toBeGreaterThan(0.005);
  });

  it("is not chaotic: both outputs survive weight noise as a trained net's do", async () => {
    const feeds = files.map((f) => readNpzFile(f));
    for (const [relative, floor] of [
      [0.001, 40],
      [0.01, 20],
    ] as const) {
      const sqnr = await weightNoiseSqnr(MMOE, session, feeds, relative);
      expect(sqnr.ctr).toBeGreaterThanOrEqual(floor);
      expect(sqnr.cvr).toBeGreaterThanOrEqual(floor);
    }
  });

  it('takes a batch of several samples at once (symbolic N)', async () => {
    const batch = files.slice(0, 4).map((f) => readNpzFile(f));
    const dense = Tensor.float32(
      [4, 16],
      batch.flatMap((s) => floats(s.dense!)),
    );
    const ids = Tensor.int64(
      [4, 4],
      batch.flatMap((s) => s.ids!.toNumbers()),
    );
    const r = await session.run({ dense, ids });
    expect(r.ctr!.dims).toEqual([4, 1]);
    for (let i = 0; i < 4; i++) {
      const single = await session.run(batch[i]!);
      expect(floats(r.ctr!)[i]).toBeCloseTo(floats(single.ctr!)[0]!, 5);
    }
  });
});

describe('npm run examples', () => {
  it('regenerates byte-identical files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'examples-'));
    try {
      const written = makeExamples(dir).map((f) => path.relative(dir, f));
      const committed = [
        'mobilenet_v1_bn.onnx',
        'mmoe.onnx',
        'mobilenet_v1_bn.tflite',
        'mmoe.tflite',
        ...['mobilenet_v1_bn', 'mmoe'].flatMap((m) => samples(m).map((f) => path.relative(EXAMPLES, f))),
      ];
      expect(written.sort()).toEqual(committed.sort());
      for (const f of written) {
        const same = fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(EXAMPLES, f)));
        expect(same, `${f} differs from the committed file`).toBe(true);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
