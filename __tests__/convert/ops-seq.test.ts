import { int, ints, str } from '../../src/ir/attrs.js';
import type { GraphBuilder } from '../helpers/graphs.js';
import { describeOpCases, type OpCase } from './op-cases.js';

/** Sequence ops: 1-D convolutions ([N, C, L], audio front-ends), lowered as 2-D with H = 1. */
const signal = (b: GraphBuilder, c = 4, l = 16) => b.input('x', [1, c, l]);
const conv1d = (b: GraphBuilder, x: string, cin: number, cout: number, k: number, attrs = {}, group = 1) => {
  const i = b.g.nodes.length;
  return b.node('Conv', [x, b.weight(`w${i}`, [cout, cin / group, k]), b.weight(`b${i}`, [cout])], {
    group: int(group),
    ...attrs,
  });
};
const deconv1d = (b: GraphBuilder, x: string, cin: number, cout: number, k: number, attrs = {}) => {
  const i = b.g.nodes.length;
  return b.node('ConvTranspose', [x, b.weight(`tw${i}`, [cin, cout, k]), b.weight(`tb${i}`, [cout])], attrs);
};

const CASES: OpCase[] = [
  {
    name: 'Conv 1-D SAME pads, Relu fused, then a strided Conv 1-D with pads TFLite cannot say',
    build: (b) => {
      const y = b.node('Relu', [conv1d(b, signal(b), 4, 6, 3, { pads: ints([1, 1]) })]);
      b.output(conv1d(b, y, 6, 5, 4, { strides: ints([2]), pads: ints([2, 0]) }));
    },
    ops: ['CONV_2D', 'PAD', 'RESHAPE'],
  },
  {
    name: 'Conv 1-D dilated, depthwise, auto_pad SAME_UPPER',
    build: (b) => {
      const x = signal(b, 4, 20);
      b.output(conv1d(b, x, 4, 6, 3, { dilations: ints([2]), pads: ints([2, 2]) }));
      b.output(conv1d(b, x, 4, 8, 5, { auto_pad: str('SAME_UPPER') }, 4));
    },
    ops: ['CONV_2D', 'DEPTHWISE_CONV_2D'],
  },
  {
    name: 'Conv 1-D feeding a MatMul over time (one TRANSPOSE back to ONNX order)',
    build: (b) => {
      const y = b.node('Relu', [conv1d(b, signal(b), 4, 6, 3, { pads: ints([1, 1]) })]);
      b.output(b.node('MatMul', [y, b.weight('m', [16, 3])]));
    },
    ops: ['CONV_2D', 'TRANSPOSE', 'FULLY_CONNECTED'],
  },
  {
    name: 'ConvTranspose 1-D stride 2 (SAME pads) and stride 2 with output_padding (VALID + slice)',
    build: (b) => {
      const x = signal(b, 4, 9);
      b.output(deconv1d(b, x, 4, 5, 3, { strides: ints([2]), pads: ints([1, 1]) }));
      b.output(
        deconv1d(b, x, 4, 3, 3, { strides: ints([2]), pads: ints([1, 1]), output_padding: ints([1]) }),
      );
    },
    ops: ['TRANSPOSE_CONV', 'STRIDED_SLICE'],
  },
];

describeOpCases(CASES);
