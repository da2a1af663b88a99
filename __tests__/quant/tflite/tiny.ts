import { Graph, type Attribute, type Model, type Node } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { SCHEMA_VERSION } from '../../../src/formats/tflite/schema.js';
import { rng } from '../../../src/quant/samples.js';

const int = (value: number): Attribute => ({ kind: 'int', value });
const SAME = int(0);
const RELU6 = int(3);

/** Weights with a trained net's spread: normal, one scale per output channel (a 4x spread). */
function weights(dims: number[], fanIn: number, axis: number, seed: number): Tensor {
  const next = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const channels = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const gain = Float32Array.from({ length: channels }, (_, c) => 0.5 + (1.5 * c) / channels);
  const size = dims.reduce((a, b) => a * b, 1);
  return Tensor.float32(
    dims,
    Float32Array.from(
      { length: size },
      (_, i) => (normal() * gain[Math.floor(i / inner) % channels]!) / Math.sqrt(fanIn),
    ),
  );
}

const bias = (n: number, seed: number) => {
  const next = rng(seed);
  return Tensor.float32(
    [n],
    Float32Array.from({ length: n }, () => next() * 0.4 - 0.2),
  );
};

/**
 * A small float TFLite-domain model that meets every kind of rule: CONV_2D with a fused RELU6,
 * DEPTHWISE_CONV_2D, HARD_SWISH, LOGISTIC (fixed output) concatenated with a calibrated tensor (its
 * parameters cannot be shared: a requantizing QUANTIZE), MAX_POOL_2D and RESHAPE (same as input),
 * FULLY_CONNECTED, ADD of a constant and SOFTMAX. Input x [1, 8, 8, 3] in [0, 1]; output y [1, 10].
 */
export function tinyModel(): Model {
  const g = new Graph();
  g.name = 'tiny';
  const shapes: Record<string, number[]> = {
    x: [1, 8, 8, 3],
    c1: [1, 8, 8, 8],
    d1: [1, 8, 8, 8],
    h: [1, 8, 8, 8],
    s: [1, 8, 8, 8],
    cat: [1, 8, 8, 16],
    p: [1, 4, 4, 16],
    r: [1, 256],
    f: [1, 10],
    a: [1, 10],
    y: [1, 10],
  };
  const value = (name: string) => ({
    name,
    type: { kind: 'tensor' as const, dtype: 'float32' as const, shape: shapes[name]! },
  });
  for (const name of Object.keys(shapes))
    if (name !== 'x' && name !== 'y') g.valueInfo.set(name, value(name));
  g.inputs = [value('x')];
  g.outputs = [value('y')];
  const init = (name: string, t: Tensor) => (g.initializers.set(name, t), name);
  const conv = {
    padding: SAME,
    stride_w: int(1),
    stride_h: int(1),
    dilation_w_factor: int(1),
    dilation_h_factor: int(1),
  };
  const node = (
    opType: string,
    inputs: string[],
    output: string,
    attrs: Record<string, Attribute> = {},
  ): Node => ({
    name: output,
    opType,
    domain: 'tflite',
    inputs,
    outputs: [output],
    attrs,
  });
  g.nodes = [
    node('CONV_2D', ['x', init('w1', weights([8, 3, 3, 3], 27, 0, 1)), init('b1', bias(8, 2))], 'c1', {
      ...conv,
      fused_activation_function: RELU6,
    }),
    node(
      'DEPTHWISE_CONV_2D',
      ['c1', init('w2', weights([1, 3, 3, 8], 9, 3, 3)), init('b2', bias(8, 4))],
      'd1',
      {
        ...conv,
        depth_multiplier: int(1),
        fused_activation_function: int(0),
      },
    ),
    node('HARD_SWISH', ['d1'], 'h'),
    node('LOGISTIC', ['h'], 's'),
    node('CONCATENATION', ['s', 'd1'], 'cat', { axis: int(3), fused_activation_function: int(0) }),
    node('MAX_POOL_2D', ['cat'], 'p', {
      padding: SAME,
      stride_w: int(2),
      stride_h: int(2),
      filter_width: int(2),
      filter_height: int(2),
      fused_activation_function: int(0),
    }),
    node('RESHAPE', ['p', init('shape', Tensor.int32([2], [1, 256]))], 'r', {
      new_shape: { kind: 'ints', value: [1, 256] },
    }),
    node('FULLY_CONNECTED', ['r', init('w3', weights([10, 256], 256, 0, 5)), init('b3', bias(10, 6))], 'f', {
      fused_activation_function: int(0),
    }),
    node('ADD', ['f', init('offset', bias(10, 7))], 'a', { fused_activation_function: int(0) }),
    node('SOFTMAX', ['a'], 'y', { beta: { kind: 'float', value: 1 } }),
  ];
  return {
    format: 'tflite',
    irVersion: 0,
    opsetImports: [{ domain: 'tflite', version: SCHEMA_VERSION }],
    metadata: [],
    graph: g,
    extra: { tflite: { metadata: [], metadataBuffers: [], signatureDefs: [] } },
  };
}
