import { describe, expect, it } from 'vitest';
import type { TfliteModel, TfliteTensor } from '../../src/formats/tflite/model.js';
import { BuiltinOperator, BuiltinOptionsType } from '../../src/formats/tflite/schema.js';
import { writeTflite } from '../../src/formats/tflite/write.js';
import { ModelFormatError } from '../../src/errors.js';
import { loadTflite } from '../../src/runtime/litert.js';

const tensor = (name: string, type: TfliteTensor['type'], zeroPoint?: number): TfliteTensor => ({
  name,
  shape: [1, 4],
  type,
  buffer: 0,
  isVariable: false,
  hasRank: true,
  ...(zeroPoint === undefined
    ? {}
    : { quantization: { scale: [0.5], zeroPoint: [zeroPoint], quantizedDimension: 0 } }),
});

/** One ADD per entry, side by side, each over its own tensors (a, b -> c), with its opcode's version. */
function addModel(adds: { tensors: TfliteTensor[]; version: number }[]): TfliteModel {
  const versions = [...new Set(adds.map((a) => a.version))];
  return {
    version: 3,
    description: 'adds',
    operatorCodes: versions.map((version) => ({
      builtinCode: BuiltinOperator.ADD!,
      deprecatedBuiltinCode: 0,
      version,
    })),
    subgraphs: [
      {
        name: 'main',
        tensors: adds.flatMap((a) => a.tensors),
        inputs: adds.flatMap((_, i) => [3 * i, 3 * i + 1]),
        outputs: adds.map((_, i) => 3 * i + 2),
        operators: adds.map((a, i) => ({
          opcodeIndex: versions.indexOf(a.version),
          inputs: [3 * i, 3 * i + 1],
          outputs: [3 * i + 2],
          builtinOptionsType: BuiltinOptionsType.AddOptions!,
          builtinOptions: { fused_activation_function: 0 },
        })),
      },
    ],
    buffers: [{}],
    metadata: [],
    signatureDefs: [],
  };
}

/** Three ADDs side by side: int8 (scale 0.5), uint8 (scale 0.5, zero point 128) and int32. */
const integerAdds = (): TfliteModel =>
  addModel([
    { tensors: ['a8', 'b8', 'c8'].map((n) => tensor(n, 'INT8', 0)), version: 2 }, // int8 ADD is version 2
    { tensors: ['au', 'bu', 'cu'].map((n) => tensor(n, 'UINT8', 128)), version: 1 },
    { tensors: ['ai', 'bi', 'ci'].map((n) => tensor(n, 'INT32')), version: 1 },
  ]);

describe('LiteRT adapter with integer tensors', () => {
  it('feeds and returns int8, uint8 and int32 tensors', async () => {
    const runner = await loadTflite(writeTflite(integerAdds()), 'dtypes.tflite');
    expect(runner.inputs.map((i) => i.dtype)).toEqual(['int8', 'int8', 'uint8', 'uint8', 'int32', 'int32']);
    expect(runner.outputs.map((o) => [o.name, o.dtype])).toEqual([
      ['c8', 'int8'],
      ['cu', 'uint8'],
      ['ci', 'int32'],
    ]);
    const out = await runner.run({
      a8: Int8Array.of(1, -2, 100, -100),
      b8: Int8Array.of(3, -4, 100, -100),
      au: Uint8Array.of(129, 120, 250, 10),
      bu: Uint8Array.of(130, 128, 250, 10),
      ai: Int32Array.of(1, -2, 1 << 30, 7),
      bi: Int32Array.of(5, 9, 1 << 29, -7),
    });
    runner.close();
    expect(out.c8).toEqual({ data: Int8Array.of(4, -6, 127, -128), shape: [1, 4], dtype: 'int8' });
    expect(out.cu!.data).toEqual(Uint8Array.of(131, 120, 255, 0));
    expect(out.ci!.data).toEqual(Int32Array.of(6, 7, (1 << 30) + (1 << 29), 0));
  });
});

describe('LiteRT adapter, a graph its kernels refuse', () => {
  /**
   * An ADD whose operands differ in type (float32 + int32): TFLite's ADD refuses it when it prepares the
   * graph. LiteRT.js then logs "failed to prepare" and "Failed to allocate tensors", yet its run returns
   * output buffers nobody wrote, which read as a 0 dB file, not as the fault it is.
   */
  it('fails the run with an error naming the model and the kernel, instead of returning garbage', async () => {
    const mismatched = addModel([
      { tensors: [tensor('a', 'FLOAT32'), tensor('b', 'INT32'), tensor('c', 'FLOAT32')], version: 1 },
    ]);
    const runner = await loadTflite(writeTflite(mismatched), 'mismatch.tflite');
    const run = runner.run({ a: Float32Array.of(1, 2, 3, 4), b: Int32Array.of(1, 2, 3, 4) });
    await expect(run).rejects.toThrow(ModelFormatError);
    await expect(run).rejects.toThrow(/mismatch\.tflite: LiteRT refuses the model.*ADD.*failed to prepare/s);
    runner.close();
  });
});
