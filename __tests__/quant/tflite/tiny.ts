import { Graph, type Attribute, type Model, type Node } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/ir/tensor.js';
import { SCHEMA_VERSION } from '../../../src/formats/tflite/schema.js';
import { rng } from '../../../src/quant/samples.js';

const int = (value: number): Attribute => ({ kind: 'int', value });
const SAME = int(0);
const RELU6 = int(3);

/** Weights with a trained net's spread: normal, one scale per output channel (a 4x spread). */
export function weights(dims: number[], fanIn: number, axis: number, seed: number): Tensor {
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

export const bias = (n: number, seed: number) => {
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
  return tfliteModel(g);
}

/** A TFLite-domain model around `g`, as importTflite makes one (no metadata, no signatures). */
export function tfliteModel(g: Graph): Model {
  return {
    format: 'tflite',
    irVersion: 0,
    opsetImports: [{ domain: 'tflite', version: SCHEMA_VERSION }],
    metadata: [],
    graph: g,
    extra: { tflite: { metadata: [], metadataBuffers: [], signatureDefs: [] } },
  };
}

/** A TFLite builtin node named for its one output. */
export function tfliteNode(
  opType: string,
  inputs: string[],
  output: string,
  attrs: Node['attrs'] = {},
): Node {
  return { name: output, opType, domain: 'tflite', inputs, outputs: [output], attrs };
}

/**
 * A second small model for the rules the first does not meet: PAD, SPLIT (data is input 1), TANH
 * (fixed 1/128) into MAXIMUM with a calibrated tensor (a requantize), MUL by a constant, SUB,
 * RESIZE_BILINEAR, TRANSPOSE, MEAN, LEAKY_RELU, and a graph output ('c') that int8 ops also read.
 * Input x [1, 8, 8, 4]; outputs y [1, 4] and c [1, 8, 8, 8].
 */
export function tinyModel2(): Model {
  const m = tinyModel();
  const g = new Graph();
  g.name = 'tiny2';
  const shapes: Record<string, number[]> = {
    x: [1, 8, 8, 4],
    xp: [1, 10, 10, 4],
    c: [1, 8, 8, 8],
    ca: [1, 8, 8, 4],
    cb: [1, 8, 8, 4],
    t: [1, 8, 8, 4],
    mx: [1, 8, 8, 4],
    ml: [1, 8, 8, 4],
    sb: [1, 8, 8, 4],
    rs: [1, 16, 16, 4],
    tr: [1, 4, 16, 16],
    mn: [1, 4],
    y: [1, 4],
  };
  const value = (name: string) => ({
    name,
    type: { kind: 'tensor' as const, dtype: 'float32' as const, shape: shapes[name]! },
  });
  for (const name of Object.keys(shapes))
    if (!['x', 'y', 'c'].includes(name)) g.valueInfo.set(name, value(name));
  g.inputs = [value('x')];
  g.outputs = [value('y'), value('c')];
  const init = (name: string, t: Tensor) => (g.initializers.set(name, t), name);
  const node = (
    opType: string,
    inputs: string[],
    outputs: string[],
    attrs: Record<string, Attribute> = {},
  ): Node => ({
    name: outputs[0]!,
    opType,
    domain: 'tflite',
    inputs,
    outputs,
    attrs,
  });
  const none = { fused_activation_function: int(0) };
  g.nodes = [
    node('PAD', ['x', init('paddings', Tensor.int32([4, 2], [0, 0, 1, 1, 1, 1, 0, 0]))], ['xp']),
    node('CONV_2D', ['xp', init('w', weights([8, 3, 3, 4], 36, 0, 11)), init('b', bias(8, 12))], ['c'], {
      padding: int(1),
      stride_w: int(1),
      stride_h: int(1),
      dilation_w_factor: int(1),
      dilation_h_factor: int(1),
      ...none,
    }),
    node('SPLIT', [init('axis', Tensor.int32([], [3])), 'c'], ['ca', 'cb'], { num_splits: int(2) }),
    node('TANH', ['ca'], ['t']),
    node('MAXIMUM', ['t', 'cb'], ['mx']),
    node('MUL', ['mx', init('gain', Tensor.float32([4], [0.5, -1, 2, 1.5]))], ['ml'], none),
    node('SUB', ['ml', 'cb'], ['sb'], none),
    node('RESIZE_BILINEAR', ['sb', init('size', Tensor.int32([2], [16, 16]))], ['rs'], {
      align_corners: int(0),
      half_pixel_centers: int(1),
    }),
    node('TRANSPOSE', ['rs', init('perm', Tensor.int32([4], [0, 3, 1, 2]))], ['tr']),
    node('MEAN', ['tr', init('axes', Tensor.int32([2], [2, 3]))], ['mn'], { keep_dims: int(0) }),
    node('LEAKY_RELU', ['mn'], ['y'], { alpha: { kind: 'float', value: 0.1 } }),
  ];
  return { ...m, graph: g };
}

/**
 * TRANSPOSE_CONV (filter OHWI, data is input 2, bias input 3) and BATCH_MATMUL with a constant and with
 * two activations. Input x [1, 8, 8, 8]; output z [1, 6, 16].
 */
export function tinyModel3(): Model {
  const m = tinyModel();
  const g = new Graph();
  g.name = 'tiny3';
  const value = (name: string, shape: number[]) => ({
    name,
    type: { kind: 'tensor' as const, dtype: 'float32' as const, shape },
  });
  g.inputs = [value('x', [1, 8, 8, 8])];
  g.outputs = [value('z', [1, 6, 16])];
  for (const [name, shape] of [
    ['t', [1, 16, 16, 4]],
    ['r', [1, 64, 16]],
    ['y', [1, 64, 6]],
  ] as const)
    g.valueInfo.set(name, value(name, [...shape]));
  const init = (name: string, t: Tensor) => (g.initializers.set(name, t), name);
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
  const noAdj = { adj_x: int(0), adj_y: int(0) };
  g.nodes = [
    node(
      'TRANSPOSE_CONV',
      [
        init('out_shape', Tensor.int32([4], [1, 16, 16, 4])),
        init('w', weights([4, 3, 3, 8], 18, 0, 21)),
        'x',
        init('b', bias(4, 22)),
      ],
      't',
      { padding: SAME, stride_w: int(2), stride_h: int(2), fused_activation_function: int(0) },
    ),
    node('RESHAPE', ['t', init('shape', Tensor.int32([3], [1, 64, 16]))], 'r', {
      new_shape: { kind: 'ints', value: [1, 64, 16] },
    }),
    node('BATCH_MATMUL', ['r', init('k', weights([1, 16, 6], 16, 2, 23))], 'y', noAdj),
    node('BATCH_MATMUL', ['y', 'r'], 'z', { ...noAdj, adj_x: int(1) }),
  ];
  return { ...m, graph: g };
}

/**
 * The remaining ops of the rule table: RELU6, PRELU (constant alpha), EXP, MINIMUM, SQUEEZE,
 * EXPAND_DIMS, SLICE, STRIDED_SLICE, RESIZE_NEAREST_NEIGHBOR, GATHER of an activation, SUM.
 * Input x [1, 4, 4, 6]; output y [1, 3].
 */
export function tinyModel4(): Model {
  const m = tinyModel();
  const g = new Graph();
  g.name = 'tiny4';
  const shapes: Record<string, number[]> = {
    x: [1, 4, 4, 6],
    r6: [1, 4, 4, 6],
    pr: [1, 4, 4, 6],
    ex: [1, 4, 4, 6],
    mi: [1, 4, 4, 6],
    rn: [1, 8, 8, 6],
    sl: [1, 8, 8, 3],
    ss: [1, 4, 4, 3],
    sq: [4, 4, 3],
    ed: [1, 4, 4, 3],
    ga: [1, 4, 2, 3],
    y: [1, 3],
  };
  const value = (name: string) => ({
    name,
    type: { kind: 'tensor' as const, dtype: 'float32' as const, shape: shapes[name]! },
  });
  for (const name of Object.keys(shapes)) if (!['x', 'y'].includes(name)) g.valueInfo.set(name, value(name));
  g.inputs = [value('x')];
  g.outputs = [value('y')];
  const init = (name: string, t: Tensor) => (g.initializers.set(name, t), name);
  const i32 = (name: string, dims: number[], v: number[]) => init(name, Tensor.int32(dims, v));
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
    node('RELU6', ['x'], 'r6'),
    node('PRELU', ['x', init('alpha', Tensor.float32([6], [0.1, 0.2, -0.1, 0.3, 0.05, 0.5]))], 'pr'),
    node('EXP', ['pr'], 'ex'),
    node('MINIMUM', ['ex', 'r6'], 'mi'),
    node('RESIZE_NEAREST_NEIGHBOR', ['mi', i32('size', [2], [8, 8])], 'rn', {
      align_corners: int(0),
      half_pixel_centers: int(0),
    }),
    node('SLICE', ['rn', i32('begin', [4], [0, 0, 0, 1]), i32('sizes', [4], [1, 8, 8, 3])], 'sl'),
    node(
      'STRIDED_SLICE',
      ['sl', i32('sb', [4], [0, 0, 0, 0]), i32('se', [4], [1, 8, 8, 3]), i32('st', [4], [1, 2, 2, 1])],
      'ss',
      {
        begin_mask: int(0),
        end_mask: int(0),
        ellipsis_mask: int(0),
        new_axis_mask: int(0),
        shrink_axis_mask: int(0),
        offset: int(0),
      },
    ),
    node('SQUEEZE', ['ss'], 'sq', { squeeze_dims: { kind: 'ints', value: [0] } }),
    node('EXPAND_DIMS', ['sq', i32('dim', [], [0])], 'ed'),
    node('GATHER', ['ed', i32('idx', [2], [3, 0])], 'ga', { axis: int(2), batch_dims: int(0) }),
    node('SUM', ['ga', i32('red', [2], [1, 2])], 'y', { keep_dims: int(0) }),
  ];
  return { ...m, graph: g };
}
