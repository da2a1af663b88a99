import { int, ints } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { GraphBuilder } from '../helpers/graphs.js';
import { checkOpCases, type OpCase } from './op-case.js';

/**
 * Elementwise math ops converted to TFLite builtins, and the LayerNorm PaddleOCR's exporter writes out
 * (ReduceMean, Sub, Pow 2, ReduceMean, Add, Sqrt, Div, Mul, Add).
 */
const scalar = (b: GraphBuilder, name: string, v: number) => b.init(name, Tensor.float32([], [v]));
const seq = (b: GraphBuilder) => b.input('x', [1, 6, 16]);

function writtenOutLayerNorm(b: GraphBuilder): void {
  const x = seq(b);
  const mean = b.node('ReduceMean', [x], { axes: ints([-1]), keepdims: int(1) });
  const d = b.node('Sub', [x, mean]);
  const v = b.node('ReduceMean', [b.node('Pow', [d, scalar(b, 'two', 2)])], {
    axes: ints([-1]),
    keepdims: int(1),
  });
  const sd = b.node('Sqrt', [b.node('Add', [v, scalar(b, 'eps', 1e-5)])]);
  const n = b.node('Div', [d, sd]);
  b.output(b.node('Add', [b.node('Mul', [n, b.weight('g', [16], 0.5, 1.5)]), b.weight('beta', [16])]));
}

const CASES: OpCase[] = [
  {
    name: 'written-out LayerNorm (PaddleOCR): ReduceMean/Sub/Pow 2/ReduceMean/Add/Sqrt/Div/Mul/Add',
    build: writtenOutLayerNorm,
    ops: ['MEAN', 'SUB', 'MUL', 'SQRT', 'DIV', 'ADD'],
    floatInInt8: ['SQRT', 'DIV'],
    opset: 13,
    executor: true,
  },
  {
    name: 'Pow exponent 2 -> MUL (int8), 0.5 -> SQRT, -0.5 -> RSQRT, 3 -> POW',
    build: (b) => {
      const x = seq(b);
      b.output(b.node('Pow', [x, scalar(b, 'two', 2)]));
      b.output(b.node('Pow', [x, scalar(b, 'half', 0.5)]));
      b.output(b.node('Pow', [x, scalar(b, 'mhalf', -0.5)]));
      b.output(b.node('Pow', [x, scalar(b, 'three', 3)]));
    },
    ops: ['MUL', 'SQRT', 'RSQRT', 'POW'],
    floatInInt8: ['SQRT', 'POW'],
    positive: true,
    executor: true,
  },
  {
    name: 'Sqrt, Reciprocal (DIV 1 by x), Log: float islands in int8',
    build: (b) => {
      const x = seq(b);
      b.output(b.node('Sqrt', [x]));
      b.output(b.node('Reciprocal', [x]));
      b.output(b.node('Log', [x]));
    },
    ops: ['SQRT', 'DIV', 'LOG'],
    floatInInt8: ['SQRT', 'DIV', 'LOG'],
    positive: true,
    executor: true,
  },
  {
    name: 'Abs (int8 ABS), Neg (NEG; int8: MUL by -1), Exp',
    build: (b) => {
      const x = seq(b);
      b.output(b.node('Abs', [x]));
      b.output(b.node('Neg', [x]));
      b.output(b.node('Exp', [x]));
    },
    ops: ['ABS', 'NEG', 'EXP'],
    executor: true,
  },
];

checkOpCases(CASES);
