import { int, ints, str } from '../../src/ir/attrs.js';
import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import { UnsupportedOpError } from '../../src/errors.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { checkOpCases, type OpCase } from './op-case.js';

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
  {
    name: "Einsum attention: 'bhid,bhjd->bhij', Softmax, 'bhij,bhjd->bhid'",
    build: (b) => {
      const [q, k, v] = ['q', 'k', 'v'].map((n) => b.input(n, [1, 2, 5, 4]));
      const s = b.node('Einsum', [q!, k!], { equation: str('bhid,bhjd->bhij') });
      const p = b.node('Softmax', [s], { axis: int(-1) });
      b.output(b.node('Einsum', [p, v!], { equation: str('bhij,bhjd->bhid') }));
    },
    ops: ['BATCH_MATMUL', 'TRANSPOSE', 'SOFTMAX'],
  },
  {
    name: "Einsum with a constant: 'bid,jd->bij', and 'bid,bjd->bji' (output transposed)",
    build: (b) => {
      const x = b.input('x', [2, 5, 4]);
      b.output(b.node('Einsum', [x, b.weight('proj', [3, 4])], { equation: str('bid,jd->bij') }));
      b.output(b.node('Einsum', [x, b.input('y', [2, 6, 4])], { equation: str('bid,bjd->bji') }));
    },
    ops: ['BATCH_MATMUL', 'TRANSPOSE'],
  },
];

// Opset 14 unless a case says otherwise (the cases were written against it).
checkOpCases(CASES, 14);

describe('forms TFLite conversion refuses, naming the node and the reason', () => {
  const refusal = (build: (b: GraphBuilder) => void) => {
    const b = new GraphBuilder(7);
    build(b);
    try {
      convertModel(b.model(14));
    } catch (e) {
      return e as Error;
    }
    throw new Error('converted');
  };
  it.each(['bij->bji', 'bij,bjk,bkl->bil', 'bij,bkj->bi', 'bij,bik->bijk'])('Einsum %s', (equation) => {
    const err = refusal((b) => {
      const terms = equation.split('->')[0]!.split(',');
      const ins = terms.map((t, i) =>
        b.input(
          `x${i}`,
          [...t].map(() => 3),
        ),
      );
      b.output(b.node('Einsum', ins, { equation: str(equation) }));
    });
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect(err.message).toContain(`operator Einsum is not supported`);
    expect(err.message).toContain(`equation '${equation}'`);
  });
  it('LSTM bidirectional', () => {
    const err = refusal((b) => {
      const x = b.input('x', [3, 1, 2]);
      const [w, r] = [b.weight('w', [2, 8, 2]), b.weight('r', [2, 8, 2])];
      b.output(b.node('LSTM', [x, w, r], { hidden_size: int(2), direction: str('bidirectional') }));
    });
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect(err.message).toMatch(/node 'lstm_0': operator LSTM is not supported .*direction 'bidirectional'/);
  });
});
