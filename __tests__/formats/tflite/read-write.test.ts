import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors.js';
import { readTflite } from '../../../src/formats/tflite/read.js';
import {
  BUILTIN_OPERATOR_NAMES,
  BuiltinOperator,
  BuiltinOptionsType,
  TensorType,
} from '../../../src/formats/tflite/schema.js';
import { writeTflite } from '../../../src/formats/tflite/write.js';
import { bitsOf, runTflite, selfieBytes, selfieInput } from './helpers.js';

describe('TFLite schema facts', () => {
  it('numbers operators, tensor types and options tables as schema.fbs does', () => {
    expect(BUILTIN_OPERATOR_NAMES).toHaveLength(210);
    expect([BuiltinOperator.ADD, BuiltinOperator.CONV_2D, BuiltinOperator.CUSTOM]).toEqual([0, 3, 32]);
    expect([BuiltinOperator.QUANTIZE, BuiltinOperator.HARD_SWISH, BuiltinOperator.BATCH_MATMUL]).toEqual([
      114, 117, 126,
    ]);
    expect([BuiltinOperator.CUMSUM, BuiltinOperator.GELU, BuiltinOperator.STABLEHLO_CASE]).toEqual([
      128, 150, 209,
    ]);
    expect([TensorType.FLOAT32, TensorType.FLOAT16, TensorType.INT8, TensorType.FLOAT8_E5M2]).toEqual([
      0, 1, 9, 22,
    ]);
    expect(BuiltinOptionsType.Conv2DOptions).toBe(1);
    expect(BuiltinOptionsType.TransposeConvOptions).toBe(49);
    expect(BuiltinOptionsType.LeakyReluOptions).toBe(75);
    expect(BuiltinOptionsType.HardSwishOptions).toBe(91);
    expect(BuiltinOptionsType.BatchMatMulOptions).toBe(101);
    expect(BuiltinOptionsType.RightShiftOptions).toBe(126);
  });
});

describe('readTflite / writeTflite on selfie_segmentation.tflite', () => {
  const bytes = selfieBytes();
  const model = readTflite(bytes, 'selfie_segmentation.tflite');

  it('reads its operators: float16 weights behind DEQUANTIZE, a custom transposed convolution', () => {
    const sg = model.subgraphs[0]!;
    const counts: Record<string, number> = {};
    for (const op of sg.operators) {
      const code = model.operatorCodes[op.opcodeIndex]!;
      const name = code.customCode ?? BUILTIN_OPERATOR_NAMES[code.builtinCode]!;
      counts[name] = (counts[name] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(
      ['ADD', 'AVERAGE_POOL_2D', 'CONV_2D', 'Convolution2DTransposeBias', 'DEPTHWISE_CONV_2D', 'DEQUANTIZE',
       'HARD_SWISH', 'LOGISTIC', 'MUL', 'RELU', 'RESIZE_BILINEAR'], // prettier-ignore
    );
    expect(counts.DEQUANTIZE).toBe(sg.tensors.filter((t) => t.type === 'FLOAT16').length);
    const dq = sg.operators.find(
      (op) => model.operatorCodes[op.opcodeIndex]!.builtinCode === BuiltinOperator.DEQUANTIZE,
    )!;
    expect(sg.tensors[dq.inputs[0]!]!.type).toBe('FLOAT16');
    expect(sg.tensors[dq.outputs[0]!]!.type).toBe('FLOAT32');
    const custom = sg.operators.find((op) => model.operatorCodes[op.opcodeIndex]!.customCode)!;
    expect(custom.customOptions).toBeInstanceOf(Uint8Array);
    expect(sg.tensors[sg.inputs[0]!]).toMatchObject({
      name: 'input_1',
      shape: [1, 256, 256, 3],
      type: 'FLOAT32',
    });
  });

  it('keeps constant data as views into the file bytes', () => {
    const withData = model.buffers.filter((b) => b.data);
    expect(withData.length).toBeGreaterThan(100);
    for (const b of withData) expect(b.data!.buffer).toBe(bytes.buffer);
  });

  it('reads back what it writes: read → write → read is deep-equal', () => {
    const again = readTflite(writeTflite(model), 'rewritten.tflite');
    expect(again).toEqual(model);
  });

  it('writes version 3, "TFL3", buffer data on 16-byte boundaries', () => {
    const out = writeTflite(model);
    expect(String.fromCharCode(...out.subarray(4, 8))).toBe('TFL3');
    const again = readTflite(out, 'rewritten.tflite');
    expect(again.version).toBe(3);
    for (const b of again.buffers) if (b.data) expect((b.data.byteOffset - out.byteOffset) % 16).toBe(0);
  });

  it('writes a model LiteRT runs to bit-equal outputs, with data inside or after the flatbuffer', async () => {
    const input = selfieInput();
    const [original] = Object.values(await runTflite(bytes, [input]));
    for (const externalBuffers of [false, true]) {
      const out = writeTflite(model, { externalBuffers });
      const [rewritten] = Object.values(await runTflite(out, [input]));
      expect(rewritten!.shape).toEqual([1, 256, 256, 1]);
      expect(bitsOf(rewritten!).equals(bitsOf(original!))).toBe(true);
    }
  });

  it('reads data stored after the flatbuffer (schema 3c offset/size)', () => {
    const out = writeTflite(model, { externalBuffers: true });
    const again = readTflite(out, 'external.tflite');
    const external = again.buffers.filter((b) => b.offset !== undefined);
    expect(external).toHaveLength(model.buffers.filter((b) => b.data).length);
    for (const b of external) expect(b.offset! % 16).toBe(0);
    expect(again.buffers.map((b) => b.data)).toEqual(model.buffers.map((b) => b.data));
  });
});

describe('readTflite on files that are not models', () => {
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['too short', new Uint8Array([1, 2, 3])],
    ['wrong identifier', new Uint8Array([8, 0, 0, 0, 0x4f, 0x4e, 0x4e, 0x58, 0, 0, 0, 0])],
    ['root offset past the end', new Uint8Array([0xff, 0xff, 0, 0, 0x54, 0x46, 0x4c, 0x33])],
    ['truncated model', selfieBytes().subarray(0, 5000)],
  ];
  it.each(cases)('%s: a ModelFormatError naming the file', (_, bytes) => {
    expect(() => readTflite(bytes, 'bad.tflite')).toThrow(ModelFormatError);
    expect(() => readTflite(bytes, 'bad.tflite')).toThrow(/^bad\.tflite: /);
  });
});
