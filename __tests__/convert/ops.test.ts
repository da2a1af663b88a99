import { describe, expect, it } from 'vitest';
import { convertModel } from '../../src/convert/index.js';
import { UnsupportedOpError } from '../../src/errors.js';
import ConvTransposeOp from '../../src/ops/ConvTranspose.js';
import { importTflite } from '../../src/formats/tflite/import.js';
import { float, int, ints, str } from '../../src/ir/attrs.js';
import { Tensor } from '../../src/ir/tensor.js';
import { quantizeFloatModel } from '../../src/quant/quantize.js';
import { concreteInputShapes, syntheticSamples } from '../../src/quant/samples.js';
import { GraphBuilder } from '../helpers/graphs.js';
import {
  agreement,
  feedsOf,
  outputSteps,
  relativeError,
  runOnnx,
  runTflite,
  settings,
  writeTfliteFile,
} from './helpers.js';
import { int8SpecViolations } from './spec-check.js';

/**
 * Each op mapping, data-driven: a small ONNX graph converted float (LiteRT within 1e-5 of ORT) and
 * quantized (LiteRT within one step of ORT running the QDQ graph, the file obeying the int8 spec), in
 * NCHW as ONNX has it, so the layout pass is exercised as well.
 */
interface OpCase {
  name: string;
  build: (b: GraphBuilder) => void;
  /** TFLite ops the float conversion must contain. */
  ops: string[];
}

const conv = (b: GraphBuilder, x: string, cin: number, cout: number, attrs = {}, k = 3, group = 1) =>
  b.node(
    'Conv',
    [
      x,
      b.weight(`w${b.g.nodes.length}`, [cout, cin / group, k, k]),
      b.weight(`b${b.g.nodes.length}`, [cout]),
    ],
    {
      pads: ints([1, 1, 1, 1].map((p) => (k === 1 ? 0 : p))),
      group: int(group),
      ...attrs,
    },
  );
/** ConvTranspose with ONNX weights [cin, cout, k, k], a bias unless `bias` is false. */
const deconv = (
  b: GraphBuilder,
  x: string,
  cin: number,
  cout: number,
  k: number,
  attrs = {},
  bias = true,
) => {
  const i = b.g.nodes.length;
  const w = b.weight(`tw${i}`, [cin, cout, k, k]);
  return b.node('ConvTranspose', bias ? [x, w, b.weight(`tb${i}`, [cout])] : [x, w], attrs);
};
const image = (b: GraphBuilder, c = 4, h = 8, w = 8) => b.input('x', [1, c, h, w]);
const scalar = (b: GraphBuilder, name: string, v: number) => b.init(name, Tensor.float32([], [v]));
const i64 = (b: GraphBuilder, name: string, v: number[]) => b.init(name, Tensor.int64([v.length], v));

const CASES: OpCase[] = [
  { name: 'Conv SAME', build: (b) => b.output(conv(b, image(b), 4, 6)), ops: ['CONV_2D'] },
  {
    name: 'Conv stride 2, pads TFLite cannot say',
    build: (b) => b.output(conv(b, image(b), 4, 6, { strides: ints([2, 2]) })),
    ops: ['PAD', 'CONV_2D'],
  },
  {
    name: 'Conv dilated',
    build: (b) => b.output(conv(b, image(b), 4, 6, { dilations: ints([2, 2]), pads: ints([2, 2, 2, 2]) })),
    ops: ['CONV_2D'],
  },
  { name: 'Conv grouped', build: (b) => b.output(conv(b, image(b), 4, 6, {}, 3, 2)), ops: ['CONV_2D'] },
  {
    name: 'Conv depthwise x2',
    build: (b) => b.output(conv(b, image(b), 4, 8, {}, 3, 4)),
    ops: ['DEPTHWISE_CONV_2D'],
  },
  {
    name: 'Conv + Relu fused',
    build: (b) => b.output(b.node('Relu', [conv(b, image(b), 4, 6)])),
    ops: ['CONV_2D'],
  },
  {
    name: 'ConvTranspose stride 2 kernel 2 with bias (VALID)',
    build: (b) => b.output(deconv(b, image(b, 4, 6, 8), 4, 5, 2, { strides: ints([2, 2]) })),
    ops: ['TRANSPOSE_CONV'],
  },
  {
    name: 'ConvTranspose stride 2 kernel 2 without bias, Relu fused',
    build: (b) =>
      b.output(b.node('Relu', [deconv(b, image(b, 4, 6, 8), 4, 3, 2, { strides: ints([2, 2]) }, false)])),
    ops: ['TRANSPOSE_CONV'],
  },
  {
    name: 'ConvTranspose stride 2 kernel 3 pads 1 with bias (SAME)',
    build: (b) =>
      b.output(deconv(b, image(b, 4, 6, 8), 4, 5, 3, { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) })),
    ops: ['TRANSPOSE_CONV'],
  },
  {
    name: 'ConvTranspose stride 2 kernel 3 pads 1 output_padding 1 without bias (VALID + slice)',
    build: (b) =>
      b.output(
        deconv(
          b,
          image(b, 4, 6, 8),
          4,
          5,
          3,
          { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) },
          false,
        ),
      ),
    ops: ['TRANSPOSE_CONV', 'STRIDED_SLICE'],
  },
  {
    name: 'ConvTranspose stride 2 kernel 3, asymmetric pads, output_padding on H only (VALID + slice)',
    build: (b) =>
      b.output(
        deconv(b, image(b, 4, 5, 7), 4, 3, 3, {
          strides: ints([2, 2]),
          pads: ints([0, 2, 1, 0]),
          output_padding: ints([1, 0]),
        }),
      ),
    ops: ['TRANSPOSE_CONV', 'STRIDED_SLICE'],
  },
  {
    name: 'ConvTranspose stride 1 kernel 3 SAME_UPPER, stride 3 kernel 2 output_padding 2 (VALID)',
    build: (b) => {
      const x = image(b, 4, 6, 8);
      b.output(deconv(b, x, 4, 3, 3, { auto_pad: str('SAME_UPPER') }));
      b.output(deconv(b, x, 4, 3, 2, { strides: ints([3, 3]), output_padding: ints([2, 1]) }));
    },
    ops: ['TRANSPOSE_CONV'],
  },
  {
    name: 'Gemm transB, alpha, beta',
    build: (b) =>
      b.output(
        b.node('Gemm', [b.input('x', [2, 5]), b.weight('w', [3, 5]), b.weight('c', [3])], {
          transB: int(1),
          alpha: float(0.5),
          beta: float(2),
        }),
      ),
    ops: ['FULLY_CONNECTED'],
  },
  {
    name: 'MatMul 3-D input',
    build: (b) => b.output(b.node('MatMul', [b.input('x', [2, 3, 5]), b.weight('w', [5, 4])])),
    ops: ['FULLY_CONNECTED'],
  },
  {
    name: 'MatMul of two activations',
    build: (b) =>
      b.output(b.node('MatMul', [b.input('x', [2, 3, 5]), b.node('Relu', [b.input('y', [2, 5, 4])])])),
    ops: ['BATCH_MATMUL'],
  },
  {
    name: 'Add/Mul/Sub with per-channel constants, NHWC',
    build: (b) => {
      const y = conv(b, image(b), 4, 6);
      const m = b.node('Mul', [y, b.weight('m', [6, 1, 1])]);
      const a = b.node('Add', [m, b.weight('a', [6, 1, 1])]);
      b.output(b.node('Sub', [a, scalar(b, 's', 0.25)]));
    },
    ops: ['MUL', 'ADD', 'SUB'],
  },
  {
    name: 'Div by a constant (float)',
    build: (b) => b.output(b.node('Div', [conv(b, image(b), 4, 6), scalar(b, 'd', 6)])),
    ops: ['DIV'],
  },
  {
    name: 'Sigmoid, Tanh, LeakyRelu, HardSwish',
    build: (b) => {
      const y = conv(b, image(b), 4, 6);
      b.output(b.node('Sigmoid', [y]));
      b.output(b.node('Tanh', [y]));
      b.output(b.node('LeakyRelu', [y], { alpha: float(0.1) }));
      b.output(b.node('HardSwish', [y]));
    },
    ops: ['LOGISTIC', 'TANH', 'LEAKY_RELU', 'HARD_SWISH'],
  },
  {
    name: 'HardSigmoid, PRelu, Clip(-1, 2)',
    build: (b) => {
      const y = conv(b, image(b), 4, 6);
      b.output(b.node('HardSigmoid', [y], { alpha: float(0.2), beta: float(0.5) }));
      b.output(b.node('PRelu', [y, b.weight('slope', [6, 1, 1])]));
      b.output(b.node('Clip', [y, scalar(b, 'lo', -1), scalar(b, 'hi', 2)]));
    },
    ops: ['MUL', 'ADD', 'MINIMUM', 'PRELU', 'MAXIMUM'],
  },
  {
    name: 'Softmax over channels of NCHW and over the last axis',
    build: (b) => {
      const y = conv(b, image(b), 4, 6);
      b.output(b.node('Softmax', [y], { axis: int(1) }));
      b.output(b.node('Softmax', [y], { axis: int(-1) }));
    },
    ops: ['SOFTMAX', 'TRANSPOSE'],
  },
  {
    name: 'MaxPool, AveragePool, GlobalAveragePool, ReduceMean',
    build: (b) => {
      const y = conv(b, image(b), 4, 6);
      b.output(b.node('MaxPool', [y], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) }));
      b.output(b.node('AveragePool', [y], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) }));
      b.output(b.node('GlobalAveragePool', [y]));
      b.output(b.node('ReduceMean', [y], { axes: ints([1]), keepdims: int(0) }));
    },
    ops: ['MAX_POOL_2D', 'AVERAGE_POOL_2D', 'MEAN'],
  },
  {
    name: 'Concat on channels, Pad, Slice, Split',
    build: (b) => {
      const x = image(b);
      const c = b.node('Concat', [conv(b, x, 4, 3), conv(b, x, 4, 5)], { axis: int(1) });
      b.output(b.node('Pad', [c, i64(b, 'pads', [0, 0, 1, 2, 0, 0, 2, 1])]));
      b.output(
        b.node('Slice', [
          c,
          i64(b, 'st', [1, -1]),
          i64(b, 'en', [7, -9]),
          i64(b, 'ax', [1, 3]),
          i64(b, 'sp', [2, -2]),
        ]),
      );
      const [p, q] = b.nodeN('Split', [c, i64(b, 'parts', [2, 6])], 2, { axis: int(1) });
      b.output(p!);
      b.output(q!);
    },
    ops: ['CONCATENATION', 'PAD', 'STRIDED_SLICE'],
  },
  {
    name: 'Resize nearest 2x and bilinear',
    build: (b) => {
      const y = conv(b, image(b), 4, 6);
      const scales = b.init('scales', Tensor.float32([4], [1, 1, 2, 2]));
      b.output(b.node('Resize', [y, '', scales], { mode: str('nearest') }));
      b.output(b.node('Resize', [y, '', scales], { mode: str('linear') }));
    },
    ops: ['RESIZE_NEAREST_NEIGHBOR', 'RESIZE_BILINEAR'],
  },
  {
    name: 'Flatten of a 4x4 map into Gemm: weights permuted, no TRANSPOSE back',
    build: (b) => {
      const y = b.node('Relu', [conv(b, image(b), 4, 6, { strides: ints([2, 2]) })]);
      b.output(
        b.node('Gemm', [b.node('Flatten', [y]), b.weight('fc', [5, 96]), b.weight('fcb', [5])], {
          transB: int(1),
        }),
      );
    },
    ops: ['RESHAPE', 'FULLY_CONNECTED'],
  },
  {
    name: 'Transpose to NHWC and back around a Relu: relabelled, not moved',
    build: (b) => {
      const t = b.node('Transpose', [conv(b, image(b), 4, 6)], { perm: ints([0, 2, 3, 1]) });
      const r = b.node('Transpose', [b.node('Relu', [t])], { perm: ints([0, 3, 1, 2]) });
      b.output(
        b.node('Squeeze', [
          b.node('Unsqueeze', [conv(b, r, 6, 2, {}, 1), i64(b, 'u', [0])]),
          i64(b, 'q', [0]),
        ]),
      );
    },
    ops: ['CONV_2D'],
  },
  {
    name: 'Gather: an embedding looked up by int64 ids',
    build: (b) => {
      const e = b.node('Gather', [b.weight('table', [20, 4]), b.input('ids', [2, 3], 'int64')]);
      b.output(b.node('Gemm', [b.node('Flatten', [e]), b.weight('w', [12, 3])]));
    },
    ops: ['GATHER'],
  },
];

const TIMEOUT = 60_000;

describe.each(CASES)('$name', (c) => {
  const b = new GraphBuilder(7);
  c.build(b);
  const model = b.model(14);
  const source = () =>
    syntheticSamples(model.graph, 6, concreteInputShapes(model.graph, new Map()), new Map());

  it(
    'float: LiteRT within 1e-5 of ONNX Runtime',
    async () => {
      const { model: tfl } = convertModel(model);
      const ops = new Set(tfl.graph.nodes.map((n) => n.opType));
      for (const op of c.ops) expect(ops, op).toContain(op);
      // One TRANSPOSE per 4-D input to NHWC and one per 4-D output back to NCHW, no more.
      const io = [...tfl.graph.inputs, ...tfl.graph.outputs];
      const fourD = io.filter((v) => v.type?.kind === 'tensor' && v.type.shape?.length === 4).length;
      const transposes = tfl.graph.nodes.filter((n) => n.opType === 'TRANSPOSE').length;
      if (!c.ops.includes('TRANSPOSE')) expect(transposes).toBeLessThanOrEqual(fourD);
      const feeds = await feedsOf(source());
      const bytes = writeTfliteFile(tfl, `op_${c.name}_float`);
      const err = relativeError(await runOnnx(model, feeds), await runTflite(bytes, tfl, feeds));
      expect(err).toBeLessThan(1e-5);
    },
    TIMEOUT,
  );

  it(
    'int8: LiteRT within one step of the QDQ graph in ONNX Runtime; the file obeys the int8 spec',
    async () => {
      const qdq = (await quantizeFloatModel(model, settings('affine'), source())).model;
      const { model: tfl } = convertModel(qdq);
      const bytes = writeTfliteFile(tfl, `op_${c.name}_int8`);
      expect(int8SpecViolations(importTflite(bytes))).toEqual([]);
      const feeds = await feedsOf(source());
      const [ref, got] = [await runOnnx(qdq, feeds), await runTflite(bytes, tfl, feeds)];
      const steps = outputSteps(qdq);
      if (steps.size) expect(agreement(ref, got, steps).withinOneStep).toBeGreaterThanOrEqual(0.99);
      // Outputs of ops the QDQ graph leaves float: a float op after a DEQUANTIZE in both runtimes.
      const unquantized = (r: Record<string, Float32Array>) =>
        Object.fromEntries(Object.entries(r).filter(([k]) => !steps.has(k)));
      if (steps.size < qdq.graph.outputs.length) {
        expect(relativeError(ref.map(unquantized), got.map(unquantized))).toBeLessThan(1e-5);
      }
    },
    TIMEOUT,
  );
});

describe('ConvTranspose TFLite cannot express', () => {
  it.each([
    [
      'group 2',
      { strides: ints([2, 2]), group: int(2) },
      2,
      /group = 2: TFLite's TRANSPOSE_CONV has no groups/,
    ],
    [
      'dilations 2',
      { dilations: ints([2, 2]) },
      4,
      /dilations = \[2, 2\]: TFLite's TRANSPOSE_CONV has no dilation/,
    ],
    ['output_shape', { strides: ints([2, 2]), output_shape: ints([16, 16]) }, 4, /output_shape attribute/],
  ] as const)('%s: refused, naming the node and the reason', (_name, attrs, perGroup, why) => {
    const b = new GraphBuilder(7);
    b.output(b.node('ConvTranspose', [image(b), b.weight('w', [4, perGroup, 3, 3])], attrs));
    const err = (() => {
      try {
        convertModel(b.model(14));
      } catch (e) {
        return e;
      }
    })() as UnsupportedOpError;
    expect(err).toBeInstanceOf(UnsupportedOpError);
    expect(err.message).toMatch(/node '.+': operator ConvTranspose is not supported in TFLite conversion/);
    expect(err.message).toMatch(why);
  });
});

it('ConvTranspose with per-output-channel int8 weights (ONNX axis 1): TRANSPOSE_CONV weights per-axis on dimension 0, bias per channel, within one step of ORT', async () => {
  // The quantizer's rule gives ConvTranspose one weight scale; this takes its weights per output channel.
  const rule = ConvTransposeOp.quant;
  const perTensor = rule.weight;
  rule.weight = () => ({ index: 1, axis: 1 });
  try {
    const b = new GraphBuilder(7);
    b.output(deconv(b, image(b, 4, 6, 8), 4, 5, 3, { strides: ints([2, 2]), pads: ints([1, 0, 0, 1]) }));
    const model = b.model(14);
    const source = () =>
      syntheticSamples(model.graph, 6, concreteInputShapes(model.graph, new Map()), new Map());
    const qdq = (await quantizeFloatModel(model, settings('affine'), source())).model;
    const { model: tfl } = convertModel(qdq);
    const bytes = writeTfliteFile(tfl, 'op_ConvTranspose_per_channel_int8');
    const back = importTflite(bytes);
    expect(int8SpecViolations(back)).toEqual([]);
    const tc = back.graph.nodes.find((n) => n.opType === 'TRANSPOSE_CONV')!;
    const wq = back.graph.initializers.get(tc.inputs[1]!)!.quant!;
    expect([wq.scale.length, wq.axis]).toEqual([5, 0]);
    const feeds = await feedsOf(source());
    const a = agreement(await runOnnx(qdq, feeds), await runTflite(bytes, tfl, feeds), outputSteps(qdq));
    expect(a.withinOneStep).toBeGreaterThanOrEqual(0.99);
  } finally {
    rule.weight = perTensor;
  }
}, 60_000);
