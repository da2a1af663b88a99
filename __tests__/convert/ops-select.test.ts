import { int, ints, str } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { GraphBuilder } from '../helpers/graphs.js';
import { checkOpCases, type OpCase } from './op-case.js';

/**
 * Comparisons, logic, Where, Cast, arg/reduce ops and data movement (Tile, Expand, DepthToSpace,
 * SpaceToDepth) converted to TFLite builtins. Bool and int64 results are cast to float for the outputs.
 */
const scalar = (b: GraphBuilder, name: string, v: number) => b.init(name, Tensor.float32([], [v]));
const toFloat = (b: GraphBuilder, v: string) => b.node('Cast', [v], { to: int(1) });
const i64 = (b: GraphBuilder, name: string, v: number[]) => b.init(name, Tensor.int64([v.length], v));

const CASES: OpCase[] = [
  {
    name: 'Greater/LessOrEqual/And, GreaterOrEqual/Not/Or, Equal/Less on Cast int32, Where',
    build: (b) => {
      const x = b.input('x', [1, 6, 16]);
      const inBand = b.node('And', [
        b.node('Greater', [x, scalar(b, 'lo', 0.2)]),
        b.node('LessOrEqual', [x, scalar(b, 'hi', 1)]),
      ]);
      const cond = b.node('Or', [
        inBand,
        b.node('Not', [b.node('GreaterOrEqual', [x, scalar(b, 'm', -0.5)])]),
      ]);
      b.output(b.node('Where', [cond, x, b.node('Neg', [x])]));
      const k = b.node('Cast', [b.node('Mul', [x, scalar(b, 'four', 4)])], { to: int(6) });
      const zero = b.init('zero', Tensor.int32([], [0]));
      b.output(toFloat(b, b.node('Or', [b.node('Equal', [k, zero]), b.node('Less', [k, zero])])));
    },
    ops: [
      'GREATER',
      'LESS_EQUAL',
      'LOGICAL_AND',
      'GREATER_EQUAL',
      'LOGICAL_NOT',
      'LOGICAL_OR',
      'SELECT_V2',
      'CAST',
      'EQUAL',
      'LESS',
    ],
    opset: 13,
  },
  {
    name: 'ReduceMax, ReduceMin (int8), ReduceProd, ReduceL2 (MUL, SUM, SQRT)',
    build: (b) => {
      const x = b.input('x', [1, 4, 5, 6]);
      b.output(b.node('ReduceMax', [x], { axes: ints([1]), keepdims: int(0) }));
      b.output(b.node('ReduceMin', [x], { axes: ints([2, 3]), keepdims: int(1) }));
      b.output(b.node('ReduceProd', [x], { axes: ints([1]), keepdims: int(1) }));
      b.output(b.node('ReduceL2', [x], { axes: ints([-1]), keepdims: int(0) }));
    },
    ops: ['REDUCE_MAX', 'REDUCE_MIN', 'REDUCE_PROD', 'SUM', 'SQRT'],
    floatInInt8: ['REDUCE_PROD', 'SQRT'],
    opset: 13,
  },
  {
    name: 'ArgMax keepdims over channels, ArgMin without keepdims over the last axis',
    build: (b) => {
      const x = b.input('x', [1, 4, 5, 6]);
      b.output(toFloat(b, b.node('ArgMax', [x], { axis: int(1) })));
      b.output(toFloat(b, b.node('ArgMin', [x], { axis: int(-1), keepdims: int(0) })));
    },
    ops: ['ARG_MAX', 'ARG_MIN', 'RESHAPE'],
    opset: 13,
  },
  {
    name: 'Tile (TILE), Expand (BROADCAST_TO)',
    build: (b) => {
      b.output(b.node('Tile', [b.input('x', [1, 3, 4]), i64(b, 'reps', [2, 1, 3])]));
      b.output(b.node('Expand', [b.input('y', [1, 3, 1]), i64(b, 'shape', [2, 3, 5])]));
    },
    ops: ['TILE', 'BROADCAST_TO'],
    opset: 13,
  },
  {
    name: 'DepthToSpace (DCR) and SpaceToDepth, blocksize 2, on NHWC',
    build: (b) => {
      const x = b.input('x', [1, 8, 4, 6]);
      b.output(b.node('DepthToSpace', [x], { blocksize: int(2), mode: str('DCR') }));
      b.output(b.node('SpaceToDepth', [x], { blocksize: int(2) }));
    },
    ops: ['DEPTH_TO_SPACE', 'SPACE_TO_DEPTH'],
    opset: 13,
  },
];

checkOpCases(CASES);
