import { describe, expect, it } from 'vitest';
import type { TfliteModel, TfliteTensor } from '../../src/formats/tflite/model.js';
import { BuiltinOperator, BuiltinOptionsType } from '../../src/formats/tflite/schema.js';
import { writeTflite } from '../../src/formats/tflite/write.js';
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

/** Three ADDs side by side: int8 (scale 0.5), uint8 (scale 0.5, zero point 128) and int32. */
function addModel(): TfliteModel {
  const add = (opcodeIndex: number, first: number) => ({
    opcodeIndex,
    inputs: [first, first + 1],
    outputs: [first + 2],
    builtinOptionsType: BuiltinOptionsType.AddOptions!,
    builtinOptions: { fused_activation_function: 0 },
  });
  return {
    version: 3,
    description: 'dtypes',
    operatorCodes: [
      { builtinCode: BuiltinOperator.ADD!, deprecatedBuiltinCode: 0, version: 2 }, // int8 ADD is version 2
      { builtinCode: BuiltinOperator.ADD!, deprecatedBuiltinCode: 0, version: 1 },
    ],
    subgraphs: [
      {
        name: 'main',
        tensors: [
          ...['a8', 'b8', 'c8'].map((n) => tensor(n, 'INT8', 0)),
          ...['au', 'bu', 'cu'].map((n) => tensor(n, 'UINT8', 128)),
          ...['ai', 'bi', 'ci'].map((n) => tensor(n, 'INT32')),
        ],
        inputs: [0, 1, 3, 4, 6, 7],
        outputs: [2, 5, 8],
        operators: [add(0, 0), add(1, 3), add(1, 6)],
      },
    ],
    buffers: [{}],
    metadata: [],
    signatureDefs: [],
  };
}

describe('LiteRT adapter with integer tensors', () => {
  it('feeds and returns int8, uint8 and int32 tensors', async () => {
    const runner = await loadTflite(writeTflite(addModel()), 'dtypes.tflite');
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
