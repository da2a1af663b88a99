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

/** LSTM/GRU weights for `gates` gates: W [1, gates*H, I], R [1, gates*H, H], B [1, 2*gates*H]. */
const rnnWeights = (b: GraphBuilder, op: string, gates: number, i: number, h: number) => [
  b.weight(`${op}_w`, [1, gates * h, i], -0.5, 0.5),
  b.weight(`${op}_r`, [1, gates * h, h], -0.5, 0.5),
  b.weight(`${op}_b`, [1, 2 * gates * h], -0.5, 0.5),
];

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
  {
    name: 'LSTM over 5 steps, batch 2, initial states given as inputs: Y, Y_h, Y_c',
    build: (b) => {
      const x = b.input('x', [5, 2, 4]);
      const [h0, c0] = [b.input('h0', [1, 2, 6]), b.input('c0', [1, 2, 6])];
      const [y, yh, yc] = b.nodeN('LSTM', [x, ...rnnWeights(b, 'lstm', 4, 4, 6), '', h0, c0], 3, {
        hidden_size: int(6),
      });
      for (const o of [y!, yh!, yc!]) b.output(o);
    },
    ops: ['FULLY_CONNECTED', 'SPLIT', 'LOGISTIC', 'TANH', 'MUL', 'ADD', 'CONCATENATION'],
  },
  {
    name: 'Conv 1-D front-end, Transpose to [T, B, C], LSTM without initial state, Y_h into a MatMul',
    build: (b) => {
      const f = b.node('Relu', [
        conv1d(b, signal(b, 4, 12), 4, 8, 3, { strides: ints([2]), pads: ints([1, 1]) }),
      ]);
      const seq = b.node('Transpose', [f], { perm: ints([2, 0, 1]) });
      const [, yh] = b.nodeN('LSTM', [seq, ...rnnWeights(b, 'lstm', 4, 8, 5)], 2, { hidden_size: int(5) });
      b.output(b.node('MatMul', [yh!, b.weight('head', [5, 3])]));
    },
    ops: ['CONV_2D', 'FULLY_CONNECTED', 'LOGISTIC', 'TANH'],
  },
  {
    name: 'GRU over 4 steps, batch 2, initial state; and with linear_before_reset',
    build: (b) => {
      const x = b.input('x', [4, 2, 3]);
      const h0 = b.input('h0', [1, 2, 5]);
      const [y, yh] = b.nodeN('GRU', [x, ...rnnWeights(b, 'gru', 3, 3, 5), '', h0], 2, {
        hidden_size: int(5),
      });
      b.output(y!);
      b.output(yh!);
      const [y2] = b.nodeN('GRU', [x, ...rnnWeights(b, 'gru_lbr', 3, 3, 5)], 1, {
        hidden_size: int(5),
        linear_before_reset: int(1),
      });
      b.output(y2!);
    },
    ops: ['FULLY_CONNECTED', 'SPLIT', 'LOGISTIC', 'TANH', 'SUB'],
  },
];

describeOpCases(CASES);
