import { beforeAll, describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import type { Model } from '../../src/ir/graph.js';
import { loadTflite } from '../../src/runtime/litert.js';
import { CASES, feedsOf, floatModel, quantized, runTflite, samplesOf, writeTfliteFile } from './helpers.js';

const TIMEOUT = 120_000;
const [mobilenet, mmoe] = [CASES[0]!, CASES[1]!];

describe('file size', () => {
  /**
   * int8 / float, the bound. Per output channel the int8 file must hold a float32 weight scale,
   * an int64 zero point (LiteRT wants as many as scales), an int32 bias and its scale; the examples are
   * sized so that weights dominate, as in the models they stand for (see examples/README.md).
   */
  it.each([
    { c: mobilenet, bound: 0.27 },
    { c: mmoe, bound: 0.27 },
  ])(
    '$c.name: the int8 file is at most $bound of the float file',
    async ({ c, bound }) => {
      const float = writeTfliteFile(convertModel(floatModel(c)).model, `${c.name}_size_float`);
      const { model } = convertModel(await quantized(c, 'affine'));
      const int8 = writeTfliteFile(model, `${c.name}_size_int8`);
      expect(int8.length / float.length).toBeLessThanOrEqual(bound);
      for (const bytes of [float, int8]) (await loadTflite(bytes)).close();
    },
    TIMEOUT,
  );
});

describe("ioType 'int8'", () => {
  let qdq: Model;
  beforeAll(async () => {
    qdq = await quantized(mobilenet, 'affine');
  }, TIMEOUT);

  it(
    'takes and gives int8 tensors with the QDQ parameters, computing what the float-I/O file computes',
    async () => {
      const floatIo = convertModel(qdq).model;
      const int8Io = convertModel(qdq, { ioType: 'int8' }).model;
      const [inQ, outQ] = [int8Io.graph.inputs[0]!, int8Io.graph.outputs[0]!].map((v) => v.quant!);
      expect(int8Io.graph.inputs[0]!.type).toMatchObject({ dtype: 'int8' });
      expect(int8Io.graph.outputs[0]!.type).toMatchObject({ dtype: 'int8' });
      expect(int8Io.graph.nodes.some((n) => n.opType === 'QUANTIZE' || n.opType === 'DEQUANTIZE')).toBe(
        false,
      );
      const feeds = await feedsOf(samplesOf(mobilenet, floatModel(mobilenet), 2));
      const expected = await runTflite(writeTfliteFile(floatIo, 'mobilenet_float_io'), floatIo, feeds);
      const runner = await loadTflite(writeTfliteFile(int8Io, 'mobilenet_int8_io'));
      expect(runner.inputs[0]).toMatchObject({ name: 'input', dtype: 'int8', shape: [1, 3, 96, 96] });
      expect(runner.outputs[0]).toMatchObject({ name: 'output', dtype: 'int8' });
      for (let i = 0; i < feeds.length; i++) {
        const x = feeds[i]!.input!.toFloat32();
        const q = Int8Array.from(x, (v) =>
          Math.max(-128, Math.min(127, Math.round(v / inQ!.scale[0]!) + inQ!.zeroPoint[0]!)),
        );
        const out = (await runner.run({ input: q })).output!.data as Int8Array;
        const real = Float32Array.from(out, (v) => (v - outQ!.zeroPoint[0]!) * outQ!.scale[0]!);
        expect(real).toEqual(expected[i]!.output);
      }
      runner.close();
    },
    TIMEOUT,
  );
});
