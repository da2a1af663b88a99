import { expect, it } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import { UnsupportedOpError } from '../../src/errors.js';
import { int, str } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder } from '../helpers/graphs.js';
import { checkOpCases, type OpCase } from './op-case.js';

/** GELU: ONNX's Gelu (opset 20) and the Erf form exporters write, converted to TFLite's GELU builtin. */
const scalar = (b: GraphBuilder, name: string, v: number) => b.init(name, Tensor.float32([], [v]));

function erfGelu(b: GraphBuilder, x: string, halfFirst: boolean): string {
  const e = b.node('Erf', [b.node('Div', [x, scalar(b, `sqrt2_${x}`, Math.SQRT2)])]);
  const onePlus = b.node('Add', [scalar(b, `one_${x}`, 1), e]);
  return halfFirst
    ? b.node('Mul', [b.node('Mul', [x, scalar(b, `half_${x}`, 0.5)]), onePlus])
    : b.node('Mul', [b.node('Mul', [x, onePlus]), scalar(b, `half_${x}`, 0.5)]);
}

/** 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), as PyTorch exports approximate='tanh' before opset 20. */
function tanhGelu(b: GraphBuilder, x: string): string {
  const cube = b.node('Pow', [x, scalar(b, 'three', 3)]);
  const inner = b.node('Add', [x, b.node('Mul', [scalar(b, 'k', 0.044715), cube])]);
  const t = b.node('Tanh', [b.node('Mul', [inner, scalar(b, 'c', Math.sqrt(2 / Math.PI))])]);
  return b.node('Mul', [b.node('Mul', [scalar(b, 'h', 0.5), x]), b.node('Add', [t, scalar(b, 'o', 1)])]);
}

const CASES: OpCase[] = [
  {
    name: 'Gelu (opset 20), exact and tanh -> GELU (int8 lookup table)',
    build: (b) => {
      const x = b.input('x', [1, 6, 16]);
      b.output(b.node('Gelu', [x]));
      b.output(b.node('Gelu', [x], { approximate: str('tanh') }));
    },
    ops: ['GELU'],
    opset: 20,
    executor: true,
  },
  {
    name: 'x * 0.5 * (1 + erf(x / sqrt 2)), both bracketings -> one GELU each, no Erf left',
    build: (b) => {
      const x = b.input('x', [1, 6, 16]);
      b.output(erfGelu(b, x, false));
      b.output(erfGelu(b, b.node('Relu', [b.node('Sub', [x, scalar(b, 'c', 0.3)])]), true));
    },
    ops: ['GELU'],
    opset: 13,
    floatOnly: true,
  },
  {
    name: '0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 Pow(x, 3)))) -> GELU approximate',
    build: (b) => b.output(tanhGelu(b, b.input('x', [1, 6, 16]))),
    ops: ['GELU'],
    opset: 13,
    floatOnly: true,
  },
];

checkOpCases(CASES);

it('the tanh form becomes one GELU with approximate set, nothing else', () => {
  const b = new GraphBuilder(7);
  b.output(tanhGelu(b, b.input('x', [1, 6, 16])));
  const { model } = convertModel(b.model(13));
  const gelu = model.graph.nodes.filter((n) => n.opType === 'GELU');
  expect(gelu.map((n) => n.attrs.approximate)).toEqual([int(1)]);
  expect(model.graph.nodes.map((n) => n.opType)).toEqual(['GELU']);
});

it('Erf outside a GELU is refused in TFLite conversion, naming the node and the op', () => {
  const b = new GraphBuilder(7);
  b.output(b.node('Erf', [b.input('x', [1, 6, 16])]));
  const run = () => convertModel(b.model(13));
  expect(run).toThrow(UnsupportedOpError);
  expect(run).toThrow(/node 'erf_0': operator Erf is not supported/);
});
