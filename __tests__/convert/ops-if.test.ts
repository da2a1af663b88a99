import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import { exportTflite } from '../../src/formats/tflite/export.js';
import { readTflite } from '../../src/formats/tflite/read.js';
import { BuiltinOperator } from '../../src/formats/tflite/schema.js';
import { ints } from '../../src/ir/attrs.js';
import { Graph, type Node } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder, randomTensor, rng } from '../helpers/graphs.js';
import { agreement, outputSteps, runOnnx, runTflite, settings } from './helpers.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import { quantizeFloatModel } from '../../src/quant/quantize.js';
import { checkOpCases, type OpCase } from './op-case.js';

/**
 * ONNX If -> TFLite IF with its two branches as subgraphs of the file (a condition known only at run
 * time), and If on a condition the input shapes decide -> the branch it takes, inlined (no IF).
 */
const node = (opType: string, inputs: string[], out: string, attrs: Node['attrs'] = {}): Node => ({
  name: out,
  opType,
  domain: '',
  inputs,
  outputs: [out],
  attrs,
});

function branch(name: string, nodes: Node[], out: string): Graph {
  const g = new Graph();
  g.name = name;
  g.nodes = nodes;
  g.outputs = [{ name: out, type: { kind: 'tensor', dtype: 'float32' } }];
  return g;
}

/**
 * y = x[0,0,0,0] > 0 ? Relu(Conv(x, W, b)) : Sigmoid(x * c), the branches reading the outer input and
 * the outer initializers W, b, c; then a Conv after the If, so the If sits between int8 ops.
 */
function runtimeIf(b: GraphBuilder, cond?: (x: string) => string): void {
  const x = b.input('x', [1, 4, 8, 8]);
  b.weight('W', [4, 4, 3, 3], -0.5, 0.5);
  b.weight('bias', [4]);
  b.init('c', Tensor.float32([1, 4, 1, 1], [0.5, -1, 2, 1.5]));
  const first = b.node('Slice', [
    x,
    b.init('starts', Tensor.int64([4], [0, 0, 0, 0])),
    b.init('ends', Tensor.int64([4], [1, 1, 1, 1])),
  ]);
  const gate =
    cond?.(x) ??
    b.node('Greater', [
      b.node('Reshape', [first, b.init('scalar', Tensor.int64([0], []))]),
      b.init('zero', Tensor.float32([], [0])),
    ]);
  const pads = ints([1, 1, 1, 1]);
  const then = branch(
    'then',
    [node('Conv', [x, 'W', 'bias'], 't_conv', { pads }), node('Relu', ['t_conv'], 't_out')],
    't_out',
  );
  const otherwise = branch(
    'else',
    [node('Mul', [x, 'c'], 'e_mul'), node('Sigmoid', ['e_mul'], 'e_out')],
    'e_out',
  );
  b.g.nodes.push({
    name: 'switch',
    opType: 'If',
    domain: '',
    inputs: [gate],
    outputs: ['branch_out'],
    attrs: { then_branch: { kind: 'graph', value: then }, else_branch: { kind: 'graph', value: otherwise } },
  });
  b.output(b.node('Conv', ['branch_out', 'W', 'bias'], { pads }));
}

/** An If whose condition is "x is 4-D" (a shape test, as exporters leave): only the then branch remains. */
function shapeIf(b: GraphBuilder): void {
  runtimeIf(b, (x) => {
    const size = b.node('Size', [b.node('Shape', [x])]);
    return b.node('Equal', [size, b.init('four', Tensor.int64([], [4]))]);
  });
}

const CASES: OpCase[] = [
  { name: 'If on a runtime value (IF, branches as subgraphs)', build: (b) => runtimeIf(b), ops: ['IF'] },
  {
    name: 'If on a shape test (the branch taken, inlined)',
    build: shapeIf,
    ops: ['CONV_2D'],
    absent: ['IF'],
  },
];

checkOpCases(CASES);

describe('If -> TFLite IF', () => {
  const b = new GraphBuilder(7);
  runtimeIf(b);
  const model = b.model(17);

  /** One input whose x[0,0,0,0] has the given sign (the branch it takes), the rest uniform in [-1, 1]. */
  const signed = (sign: number, random: () => number) => {
    const x = randomTensor([1, 4, 8, 8], random).toFloat32();
    x[0] = sign * (0.25 + Math.abs(x[0]!));
    return { x: Tensor.float32([1, 4, 8, 8], x) };
  };
  const feeds = [1, -1, 1, -1].map((sign) => signed(sign, rng(sign + 5)));
  const name = model.graph.outputs[0]!.name;

  /** IF in the main subgraph, its options, and the branch subgraphs it names. */
  const ifOf = (bytes: Uint8Array) => {
    const file = readTflite(bytes, 'if.tflite');
    const op = file.subgraphs[0]!.operators.find(
      (o) => file.operatorCodes[o.opcodeIndex]!.builtinCode === BuiltinOperator.IF,
    )!;
    return { file, op };
  };

  it('float: both branches are subgraphs, each runs in LiteRT as in ONNX Runtime (x > 0 and x < 0)', async () => {
    const tfl = convertModel(model).model;
    const bytes = exportTflite(tfl);
    const { file, op } = ifOf(bytes);
    expect(file.subgraphs).toHaveLength(3);
    expect(op.builtinOptions).toMatchObject({ then_subgraph_index: 1, else_subgraph_index: 2 });
    // The branches read the outer x (the outer constants are copied in): one operand after the condition.
    expect(op.inputs).toHaveLength(2);
    expect(file.subgraphs.slice(1).map((sg) => sg.inputs.length)).toEqual([1, 1]);
    const [ref, got] = [await runOnnx(model, feeds), await runTflite(bytes, tfl, feeds)];
    feeds.forEach((_, i) => {
      const err = ref[i]![name]!.reduce((m, v, k) => Math.max(m, Math.abs(v - got[i]![name]![k]!)), 0);
      expect(err, `sample ${i}`).toBeLessThan(1e-5);
    });
  }, 60_000);

  it('int8: calibrated on both signs, each branch runs int8 inside its subgraph, within one step of the QDQ graph', async () => {
    const source: SampleSource = {
      count: 8,
      kind: 'data',
      async *samples() {
        for (let i = 0; i < 8; i++) yield signed(i % 2 ? -1 : 1, rng(100 + i));
      },
    };
    const qdq = (await quantizeFloatModel(model, settings('affine'), source)).model;
    const tfl = convertModel(qdq).model;
    const bytes = exportTflite(tfl);
    const { file } = ifOf(bytes);
    // Each branch holds an int8 op: CONV_2D (then) and MUL (else) read int8 tensors.
    for (const [k, op] of [
      [1, 'CONV_2D'],
      [2, 'MUL'],
    ] as const) {
      const sg = file.subgraphs[k]!;
      const found = sg.operators.find(
        (o) => file.operatorCodes[o.opcodeIndex]!.builtinCode === BuiltinOperator[op],
      );
      expect(found, `${op} in subgraph ${k}`).toBeDefined();
      expect(sg.tensors[found!.inputs[0]!]!.type, `${op} input`).toBe('INT8');
    }
    const [ref, got] = [await runOnnx(qdq, feeds), await runTflite(bytes, tfl, feeds)];
    const steps = outputSteps(qdq);
    expect(steps.has(name)).toBe(true);
    expect(agreement(ref, got, steps).withinOneStep).toBeGreaterThanOrEqual(0.99);
  }, 60_000);
});
