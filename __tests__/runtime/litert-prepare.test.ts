import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import type { TfliteModel, TfliteTensor } from '../../src/formats/tflite/model.js';
import { BuiltinOperator, BuiltinOptionsType } from '../../src/formats/tflite/schema.js';
import { writeTflite } from '../../src/formats/tflite/write.js';
import { loadTflite } from '../../src/runtime/litert.js';

const tensor = (name: string, type: TfliteTensor['type']): TfliteTensor => ({
  name,
  shape: [1, 4],
  type,
  buffer: 0,
  isVariable: false,
  hasRank: true,
});

/**
 * An ADD whose operands differ in type (float32 + int32): TFLite's ADD refuses it when it prepares the
 * graph. LiteRT.js then logs "failed to prepare" and "Failed to allocate tensors", yet its run returns
 * output buffers anyway (zeros), which read as a 0 dB file, not as the fault it is.
 */
function mismatchedAdd(): TfliteModel {
  return {
    version: 3,
    description: 'mismatched ADD',
    operatorCodes: [{ builtinCode: BuiltinOperator.ADD!, deprecatedBuiltinCode: 0, version: 1 }],
    subgraphs: [
      {
        name: 'main',
        tensors: [tensor('a', 'FLOAT32'), tensor('b', 'INT32'), tensor('c', 'FLOAT32')],
        inputs: [0, 1],
        outputs: [2],
        operators: [
          {
            opcodeIndex: 0,
            inputs: [0, 1],
            outputs: [2],
            builtinOptionsType: BuiltinOptionsType.AddOptions!,
            builtinOptions: { fused_activation_function: 0 },
          },
        ],
      },
    ],
    buffers: [{}],
    metadata: [],
    signatureDefs: [],
  };
}

describe('LiteRT adapter, a graph its kernels refuse', () => {
  it('fails the run with an error naming the model and the kernel, instead of returning zeros', async () => {
    const runner = await loadTflite(writeTflite(mismatchedAdd()), 'mismatch.tflite');
    const run = runner.run({ a: Float32Array.of(1, 2, 3, 4), b: Int32Array.of(1, 2, 3, 4) });
    await expect(run).rejects.toThrow(ModelFormatError);
    await expect(run).rejects.toThrow(/mismatch\.tflite.*ADD.*failed to prepare/s);
    runner.close();
  });
});
