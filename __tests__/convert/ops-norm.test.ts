import { float, int, ints } from '../../src/ir/attrs.js';
import { checkOpCases, type OpCase } from './op-case.js';

/**
 * Normalizations (ONNX opset 17), converted to TFLite builtins: LayerNormalization has no builtin and
 * lowers to MEAN, SUB, MUL, RSQRT, ADD. Its int8 form keeps that chain float between DEQUANTIZE and
 * QUANTIZE (ORT runs the QDQ node float too).
 */
const CASES: OpCase[] = [
  {
    name: 'LayerNormalization over the last axis, scale and bias (transformer [1, 6, 16])',
    build: (b) => {
      const x = b.input('x', [1, 6, 16]);
      b.output(b.node('LayerNormalization', [x, b.weight('g', [16], 0.5, 1.5), b.weight('beta', [16])]));
    },
    ops: ['MEAN', 'SUB', 'MUL', 'ADD', 'RSQRT'],
    floatInInt8: ['RSQRT'],
    executor: true,
  },
  {
    name: 'LayerNormalization over the last two axes of NCHW, no bias, epsilon 1e-3',
    build: (b) => {
      const x = b.input('x', [1, 4, 5, 6]);
      b.output(
        b.node('LayerNormalization', [x, b.weight('g', [5, 6], 0.5, 1.5)], {
          axis: int(-2),
          epsilon: float(1e-3),
        }),
      );
    },
    ops: ['MEAN', 'SUB', 'MUL', 'RSQRT'],
    floatInInt8: ['RSQRT'],
    executor: true,
  },
  {
    name: 'InstanceNormalization of NCHW after a Conv (NHWC in TFLite)',
    build: (b) => {
      const x = b.input('x', [1, 4, 6, 5]);
      const y = b.node('Conv', [x, b.weight('w', [3, 4, 3, 3]), b.weight('wb', [3])], {
        pads: ints([1, 1, 1, 1]),
      });
      b.output(b.node('InstanceNormalization', [y, b.weight('s', [3], 0.5, 1.5), b.weight('bb', [3])]));
    },
    ops: ['CONV_2D', 'MEAN', 'RSQRT'],
    floatInInt8: ['RSQRT'],
    executor: true,
    opset: 13,
  },
];

checkOpCases(CASES);
