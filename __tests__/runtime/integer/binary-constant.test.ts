/**
 * An elementwise op with a one-element constant operand evaluates one row of its pair table (binary.ts,
 * constantRow). The plain path is the same graph with that operand a graph input fed the same value
 * (the full table): both must give the same int8 for every input value, in every scheme and rounding.
 */
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../../src/ir/tensor.js';
import { createIntegerExecutor, type IntegerExecutorOptions } from '../../../src/runtime/integer/index.js';
import { TfliteGraphBuilder } from './builder.js';

/** Every int8 value, in a [1, 4, 8, 8] map (the kernel's shape is not one element). */
const every = Int8Array.from({ length: 256 }, (_, i) => i - 128);
const x = new Tensor('int8', [1, 4, 8, 8], every);

/** y = op(x, c) (or op(c, x)), c the constant `value` or, `asInput`, a fed input of shape [1]. */
function graph(op: string, value: number, constantFirst: boolean, asInput: boolean, act = 0) {
  const b = new TfliteGraphBuilder();
  b.input('x', [1, 4, 8, 8], { scale: 2 ** -3, zeroPoint: 3 });
  if (asInput) b.input('c', [1], { scale: 2 ** -2, zeroPoint: -5 });
  else b.int8('c', [1], [value], { scale: 2 ** -2, zeroPoint: -5 });
  b.value('y', [1, 4, 8, 8], { scale: 2 ** -1, zeroPoint: 1 });
  b.node(op, constantFirst ? ['c', 'x'] : ['x', 'c'], ['y'], { fused_activation_function: act });
  return b.outputs('y');
}

interface Case {
  op: string;
  value: number;
  first: boolean;
  act: number;
}

const run = ({ op, value, first, act }: Case, asInput: boolean, opts: IntegerExecutorOptions) => {
  const feeds: Record<string, Tensor> = { x };
  if (asInput) feeds.c = new Tensor('int8', [1], Int8Array.of(value));
  return Array.from(
    createIntegerExecutor(graph(op, value, first, asInput, act), opts).run(feeds).y!.data as Int8Array,
  );
};

const ARITHMETIC: IntegerExecutorOptions[] = [
  { scheme: 'pow2', rounding: 'floor' },
  { scheme: 'pow2', rounding: 'nearest' },
  { scheme: 'affine' },
];

describe.each(ARITHMETIC)('a one-element constant operand (%o)', (opts) => {
  it.each(['ADD', 'SUB', 'MUL', 'MINIMUM', 'MAXIMUM'])('%s equals the full pair table', (op) => {
    // Activations NONE and RELU: the row is clamped as the table is.
    for (const value of [-128, -5, 0, 1, 37, 127])
      for (const first of [false, true])
        for (const act of [0, 1]) {
          const c = { op, value, first, act };
          expect(run(c, false, opts), JSON.stringify(c)).toEqual(run(c, true, opts));
        }
  });
});

it('pow2 MUL by a constant: a hand-worked value', () => {
  // x = 13 at 2^-3, zero point 3: 10 steps; c = -1 at 2^-2, zero point -5: 4 steps. Product 40 at 2^-5,
  // shifted by 4 to y's 2^-1: 2.5 steps, floor 2, nearest (half up) 3; + y's zero point 1: 3 and 4.
  const y = (rounding: 'floor' | 'nearest') =>
    createIntegerExecutor(graph('MUL', -1, false, false), { scheme: 'pow2', rounding }).run({ x }).y!.data[
      13 + 128
    ];
  expect(y('floor')).toBe(3);
  expect(y('nearest')).toBe(4);
});
