import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../../src/errors.js';
import { exportTflite, irToTflite } from '../../../src/formats/tflite/export.js';
import { importTflite } from '../../../src/formats/tflite/import.js';
import type { TfliteModel, TfliteTensor } from '../../../src/formats/tflite/model.js';
import { readTflite } from '../../../src/formats/tflite/read.js';
import {
  BUILTIN_OPERATOR_NAMES,
  BuiltinOperator,
  BuiltinOptionsType,
} from '../../../src/formats/tflite/schema.js';
import { writeTflite } from '../../../src/formats/tflite/write.js';
import { bitsOf, runTflite, selfieBytes, selfieInput } from './helpers.js';

const opNames = (m: TfliteModel): string[] =>
  m.subgraphs[0]!.operators.map((op) => {
    const code = m.operatorCodes[op.opcodeIndex]!;
    return code.customCode ?? BUILTIN_OPERATOR_NAMES[code.builtinCode]!;
  });

describe('TFLite → IR → TFLite on selfie_segmentation.tflite', () => {
  const bytes = selfieBytes();
  const original = readTflite(bytes, 'selfie_segmentation.tflite');
  const ir = importTflite(bytes, 'selfie_segmentation.tflite');

  it('imports ops as tflite-domain nodes, float16 weights as float32 constants without DEQUANTIZE', () => {
    const g = ir.graph;
    expect(g.nodes.every((n) => n.domain === 'tflite')).toBe(true);
    expect(g.nodes.map((n) => n.opType)).not.toContain('DEQUANTIZE');
    const conv = g.nodes.find((n) => n.opType === 'CONV_2D')!;
    expect(conv.attrs.stride_w).toEqual({ kind: 'int', value: 2 });
    const kernel = g.initializers.get(conv.inputs[1]!)!;
    expect(kernel.dtype).toBe('float32');
    expect(kernel.dims).toEqual([16, 3, 3, 3]);
    expect([...g.initializers.values()].filter((t) => t.dtype === 'float16')).toEqual([]);
    const custom = g.nodes.find((n) => n.opType === 'CUSTOM')!;
    expect(custom.attrs.custom_code).toEqual({ kind: 'string', value: 'Convolution2DTransposeBias' });
    expect(g.inputs.map((v) => [v.name, v.type])).toEqual([
      ['input_1', { kind: 'tensor', dtype: 'float32', shape: [1, 256, 256, 3] }],
    ]);
  });

  it('exports a model whose ops are the original ones less the DEQUANTIZEs, and LiteRT agrees bit for bit', async () => {
    const out = exportTflite(ir);
    const rewritten = readTflite(out, 'rewritten.tflite');
    expect(opNames(rewritten)).toEqual(opNames(original).filter((n) => n !== 'DEQUANTIZE'));
    const input = selfieInput();
    const [expected] = Object.values(await runTflite(bytes, [input]));
    const [actual] = Object.values(await runTflite(out, [input]));
    expect(actual!.shape).toEqual(expected!.shape);
    expect(bitsOf(actual!).equals(bitsOf(expected!))).toBe(true);
  });

  it('is stable: a second round trip writes the same bytes', () => {
    const once = exportTflite(ir);
    const twice = exportTflite(importTflite(once, 'once.tflite'));
    expect(Buffer.from(twice).equals(Buffer.from(once))).toBe(true);
  });

  it('keeps the versions read, raised where the rules require (RESIZE_BILINEAR with half-pixel centers: 3)', () => {
    const out = irToTflite(ir);
    const version = (name: string) =>
      out.operatorCodes.find((c) => BUILTIN_OPERATOR_NAMES[c.builtinCode] === name)?.version;
    expect(version('CONV_2D')).toBe(1);
    expect(version('RESIZE_BILINEAR')).toBe(3);
  });
});

const tensor = (
  name: string,
  type: TfliteTensor['type'],
  shape: number[],
  buffer = 0,
  scale?: number[],
): TfliteTensor => ({
  name,
  shape,
  type,
  buffer,
  isVariable: false,
  hasRank: true,
  ...(scale ? { quantization: { scale, zeroPoint: scale.map(() => 0), quantizedDimension: 0 } } : {}),
});

/** An int8 1x1 convolution with per-channel weights, recorded at version 1 as a float op would be. */
function int8Conv(): TfliteModel {
  return {
    version: 3,
    description: 'int8 conv',
    operatorCodes: [{ builtinCode: BuiltinOperator.CONV_2D!, deprecatedBuiltinCode: 3, version: 1 }],
    subgraphs: [
      {
        name: 'main',
        tensors: [
          tensor('x', 'INT8', [1, 2, 2, 2], 0, [0.5]),
          tensor('w', 'INT8', [2, 1, 1, 2], 1, [0.25, 0.125]),
          tensor('b', 'INT32', [2], 2, [0.125, 0.0625]),
          tensor('y', 'INT8', [1, 2, 2, 2], 0, [0.5]),
        ],
        inputs: [0],
        outputs: [3],
        operators: [
          {
            opcodeIndex: 0,
            inputs: [0, 1, 2],
            outputs: [3],
            builtinOptionsType: BuiltinOptionsType.Conv2DOptions!,
            builtinOptions: { padding: 1, stride_w: 1, stride_h: 1 },
          },
        ],
      },
    ],
    buffers: [
      {},
      { data: new Uint8Array(Int8Array.of(4, -4, 8, 8).buffer) },
      { data: new Uint8Array(Int32Array.of(8, 0).buffer) },
    ],
    metadata: [],
    signatureDefs: [],
  };
}

describe('TFLite export of quantized and unsupported ops', () => {
  it('writes an int8 CONV_2D as version 3 with its quantization, and LiteRT runs it', async () => {
    const ir = importTflite(writeTflite(int8Conv()), 'int8-conv.tflite');
    expect(ir.graph.initializers.get('w')!.quant).toEqual({
      scale: Float64Array.of(0.25, 0.125),
      zeroPoint: Int32Array.of(0, 0),
      axis: 0,
    });
    const out = exportTflite(ir);
    const model = readTflite(out, 'int8-conv.tflite');
    expect(model.operatorCodes[0]!.version).toBe(3);
    const { y } = await runTflite(out, [Int8Array.of(2, 4, 6, 8, -2, 10, 0, 2)]);
    // real x·w + b, over the output scale 0.5: exact integers, so no rounding question.
    expect(y!.data).toEqual(Int8Array.of(0, 6, 0, 14, -10, 8, 0, 2));
  });

  it('refuses an op outside the supported list on import, naming node and op', () => {
    const model = int8Conv();
    model.operatorCodes[0] = { builtinCode: BuiltinOperator.FLOOR!, deprecatedBuiltinCode: 8, version: 1 };
    model.subgraphs[0]!.operators[0]!.builtinOptionsType = 0;
    model.subgraphs[0]!.operators[0]!.builtinOptions = {};
    const importing = () => importTflite(writeTflite(model), 'floor.tflite');
    expect(importing).toThrow(UnsupportedOpError);
    expect(importing).toThrow(/node 'y': operator FLOOR is not supported .*supported: .*\bCONV_2D\b/);
  });

  it('refuses a node that is not a TFLite op on export', () => {
    const ir = importTflite(writeTflite(int8Conv()), 'int8-conv.tflite');
    ir.graph.nodes[0] = { ...ir.graph.nodes[0]!, domain: '', opType: 'Conv' };
    expect(() => exportTflite(ir)).toThrow(UnsupportedOpError);
    expect(() => exportTflite(ir)).toThrow(/operator Conv is not supported in TFLite export/);
  });
});
