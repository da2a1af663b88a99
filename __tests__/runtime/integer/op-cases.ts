/**
 * Small int8 TFLite graphs, one op each, with seeded inputs: what the executor is checked on against
 * LiteRT. Each case names the op, builds the graph and its feeds.
 */
import type { Model } from '../../../src/ir/graph.js';
import { TfliteGraphBuilder, randomInt8, rng, type Q } from './builder.js';

export interface OpCase {
  name: string;
  model: Model;
  feeds: Record<string, Int8Array | Float32Array | Int32Array>;
}

const random = rng(11);
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
const scales = (n: number) => Array.from({ length: n }, () => 0.002 + 0.01 * random());
const biases = (n: number) => Array.from({ length: n }, () => Math.round((random() - 0.5) * 6000));
const outSize = (inSize: number, k: number, stride: number, padding: number, dilation = 1) => {
  const eff = (k - 1) * dilation + 1;
  return padding === 0 ? Math.ceil(inSize / stride) : Math.floor((inSize - eff + stride) / stride);
};

function single(
  name: string,
  op: string,
  inputs: {
    name: string;
    shape: number[];
    q?: Q;
    dtype?: 'int8' | 'float32' | 'int32';
    feed?: ArrayLike<number>;
  }[],
  constants: (b: TfliteGraphBuilder) => string[],
  out: { shape: number[]; q?: Q; dtype?: 'int8' | 'float32' },
  attrs: Record<string, number | number[]> = {},
): OpCase {
  const b = new TfliteGraphBuilder();
  const feeds: OpCase['feeds'] = {};
  for (const v of inputs) {
    b.input(v.name, v.shape, v.q, v.dtype ?? 'int8');
    const n = size(v.shape);
    if (v.dtype === 'float32') feeds[v.name] = Float32Array.from({ length: n }, () => 4 * random() - 2);
    else if (v.dtype === 'int32') feeds[v.name] = Int32Array.from(v.feed!);
    else feeds[v.name] = v.feed ? Int8Array.from(v.feed) : randomInt8(n, random);
  }
  const consts = constants(b);
  b.value('y', out.shape, out.q, out.dtype ?? 'int8');
  b.node(op, [...inputs.filter((v) => !v.name.startsWith('~')).map((v) => v.name), ...consts], ['y'], attrs);
  return { name, model: b.outputs('y'), feeds };
}

function conv(
  padding: number,
  stride: number,
  dilation: number,
  act: number,
  k: number,
  C = 8,
  OC = 12,
): OpCase {
  const [H, W] = [11, 13];
  const ws = scales(OC);
  return single(
    `CONV_2D ${k}x${k} ${padding ? 'VALID' : 'SAME'} stride ${stride} dilation ${dilation} act ${act}`,
    'CONV_2D',
    [{ name: 'x', shape: [1, H, W, C], q: { scale: 0.05, zeroPoint: 9 } }],
    (b) => [
      b.int8('w', [OC, k, k, C], randomInt8(OC * k * k * C, random, -127, 127), { scale: ws, axis: 0 }),
      b.int32('b', [OC], biases(OC), { scale: ws.map((s) => s * 0.05) }),
    ],
    {
      shape: [1, outSize(H, k, stride, padding, dilation), outSize(W, k, stride, padding, dilation), OC],
      q: { scale: 0.11, zeroPoint: -5 },
    },
    {
      padding,
      stride_w: stride,
      stride_h: stride,
      dilation_w_factor: dilation,
      dilation_h_factor: dilation,
      fused_activation_function: act,
    },
  );
}

/** TRANSPOSE_CONV reads [output_shape, w, x, bias]: built here, not by single(), which puts x first. */
function transposeConv(
  padding: number,
  stride: number,
  k: number,
  [OH, OW]: [number, number],
  act = 0,
): OpCase {
  const [H, W, C, OC] = [5, 7, 6, 10];
  const ws = scales(OC);
  const b = new TfliteGraphBuilder();
  b.input('x', [1, H, W, C], { scale: 0.05, zeroPoint: 7 }, 'int8');
  const feeds = { x: randomInt8(H * W * C, random) };
  const shape = b.int32('shape', [4], [1, OH, OW, OC]);
  const w = b.int8('w', [OC, k, k, C], randomInt8(OC * k * k * C, random, -127, 127), { scale: ws, axis: 0 });
  const bias = b.int32('b', [OC], biases(OC), { scale: ws.map((v) => v * 0.05) });
  b.value('y', [1, OH, OW, OC], { scale: 0.09, zeroPoint: -6 }, 'int8');
  b.node('TRANSPOSE_CONV', [shape, w, 'x', bias], ['y'], {
    padding,
    stride_h: stride,
    stride_w: stride,
    fused_activation_function: act,
  });
  return {
    name: `TRANSPOSE_CONV ${k}x${k} ${padding ? 'VALID' : 'SAME'} stride ${stride} -> ${OH}x${OW} act ${act}`,
    model: b.outputs('y'),
    feeds,
  };
}

function depthwise(padding: number, stride: number, m: number, act: number): OpCase {
  const [H, W, C, k] = [10, 9, 8, 3];
  const OC = C * m;
  const ws = scales(OC);
  return single(
    `DEPTHWISE_CONV_2D ${padding ? 'VALID' : 'SAME'} stride ${stride} multiplier ${m} act ${act}`,
    'DEPTHWISE_CONV_2D',
    [{ name: 'x', shape: [1, H, W, C], q: { scale: 0.05, zeroPoint: -3 } }],
    (b) => [
      b.int8('w', [1, k, k, OC], randomInt8(OC * k * k, random, -127, 127), { scale: ws, axis: 3 }),
      b.int32('b', [OC], biases(OC), { scale: ws.map((s) => s * 0.05) }),
    ],
    {
      shape: [1, outSize(H, k, stride, padding), outSize(W, k, stride, padding), OC],
      q: { scale: 0.07, zeroPoint: 4 },
    },
    { padding, stride_w: stride, stride_h: stride, depth_multiplier: m, fused_activation_function: act },
  );
}

function fc(perChannel: boolean, keep: boolean): OpCase {
  const [IC, OC] = [64, 20];
  const ws = perChannel ? scales(OC) : [0.006];
  return single(
    `FULLY_CONNECTED per-${perChannel ? 'channel' : 'tensor'}${keep ? ' keep_num_dims' : ''}`,
    'FULLY_CONNECTED',
    [{ name: 'x', shape: [2, 3, IC], q: { scale: 0.04, zeroPoint: 11 } }],
    (b) => [
      b.int8('w', [OC, IC], randomInt8(OC * IC, random, -127, 127), { scale: ws }),
      b.int32('b', [OC], biases(OC), { scale: ws.map((s) => s * 0.04) }),
    ],
    { shape: keep ? [2, 3, OC] : [6, OC], q: { scale: 0.2, zeroPoint: -10 } },
    { keep_num_dims: keep ? 1 : 0, fused_activation_function: 1 },
  );
}

function binary(op: string, sa: number[], sb: number[], act = 0): OpCase {
  const rank = Math.max(sa.length, sb.length);
  const pad = (s: number[]) => [...Array<number>(rank - s.length).fill(1), ...s];
  const shape = pad(sa).map((d, i) => Math.max(d, pad(sb)[i]!));
  return single(
    `${op} [${sa}] [${sb}] act ${act}`,
    op,
    [
      { name: 'a', shape: sa, q: { scale: 0.03, zeroPoint: 5 } },
      { name: 'b', shape: sb, q: { scale: 0.045, zeroPoint: -7 } },
    ],
    () => [],
    { shape, q: { scale: op === 'MUL' ? 0.02 : 0.06, zeroPoint: 3 } },
    op === 'MINIMUM' || op === 'MAXIMUM' ? {} : { fused_activation_function: act },
  );
}

function minMax(op: string): OpCase {
  // TFLite compares stored values: inputs share the output's parameters.
  const q = { scale: 0.03, zeroPoint: 5 };
  return single(
    `${op} (shared parameters)`,
    op,
    [
      { name: 'a', shape: [2, 5, 8], q },
      { name: 'b', shape: [8], q },
    ],
    () => [],
    { shape: [2, 5, 8], q },
  );
}

function pool(op: string, padding: number, stride: number, k: number, act = 0): OpCase {
  const [H, W, C] = [7, 9, 6];
  const q = { scale: 0.05, zeroPoint: 2 };
  return single(
    `${op} ${k}x${k} ${padding ? 'VALID' : 'SAME'} stride ${stride} act ${act}`,
    op,
    [{ name: 'x', shape: [1, H, W, C], q }],
    () => [],
    { shape: [1, outSize(H, k, stride, padding), outSize(W, k, stride, padding), C], q },
    {
      padding,
      stride_w: stride,
      stride_h: stride,
      filter_width: k,
      filter_height: k,
      fused_activation_function: act,
    },
  );
}

function reduce(op: string, shape: number[], axes: number[], keep: boolean, q: Q, qy: Q): OpCase {
  const out = keep
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
  return single(
    `${op} [${shape}] axes [${axes}]${keep ? ' keep_dims' : ''}`,
    op,
    [{ name: 'x', shape, q }],
    (b) => [b.int32('axes', [axes.length], axes)],
    { shape: out, q: qy },
    { keep_dims: keep ? 1 : 0 },
  );
}

function unary(op: string, q: Q, qy: Q, attrs: Record<string, number> = {}): OpCase {
  // Every int8 input once, so that a lookup table is compared entry by entry.
  const all = Array.from({ length: 256 }, (_, i) => i - 128);
  return single(
    `${op} s=${(q.scale as number).toFixed(4)} z=${q.zeroPoint}`,
    op,
    [{ name: 'x', shape: [2, 128], q, feed: all }],
    () => [],
    { shape: [2, 128], q: qy },
    attrs,
  );
}

export function opCases(): OpCase[] {
  const q = (scale: number, zeroPoint: number): Q => ({ scale, zeroPoint });
  return [
    conv(0, 1, 1, 0, 3),
    conv(1, 2, 1, 3, 3),
    conv(0, 2, 1, 1, 3),
    conv(0, 1, 2, 0, 3),
    conv(1, 1, 1, 0, 1, 16, 24),
    conv(0, 1, 1, 0, 5, 3, 7),
    depthwise(0, 1, 1, 0),
    depthwise(1, 2, 1, 3),
    depthwise(0, 2, 2, 1),
    depthwise(0, 1, 3, 0),
    fc(false, false),
    fc(true, true),
    ...['ADD', 'SUB', 'MUL'].flatMap((op) => [
      binary(op, [1, 6, 6, 8], [1, 6, 6, 8]),
      binary(op, [1, 6, 6, 8], [1, 1, 1, 8], 1),
      binary(op, [2, 3, 8], [3, 1], 3),
    ]),
    minMax('MINIMUM'),
    minMax('MAXIMUM'),
    ...['MAX_POOL_2D', 'AVERAGE_POOL_2D'].flatMap((op) => [
      pool(op, 0, 2, 3),
      pool(op, 1, 2, 2),
      pool(op, 0, 1, 3, 1),
      pool(op, 1, 1, 7),
    ]),
    reduce('MEAN', [1, 7, 7, 16], [1, 2], true, q(0.05, 2), q(0.03, -4)),
    reduce('MEAN', [1, 2, 96, 40], [1, 2], true, q(0.0358, -118), q(0.0358, -118)),
    reduce('MEAN', [1, 7, 7, 16], [1, 2], false, q(0.05, 2), q(0.01, -4)),
    reduce('MEAN', [2, 40, 16], [1], false, q(0.05, 3), q(0.013, -4)),
    reduce('SUM', [1, 3, 8], [1], false, q(0.02, -7), q(0.05, 6)),
    reduce('SUM', [1, 2, 64], [1], false, q(0.02, -7), q(0.04, 6)),
    reduce('REDUCE_MAX', [1, 5, 6, 8], [1, 2], true, q(0.05, 3), q(0.05, 3)),
    reduce('REDUCE_MIN', [2, 3, 16], [2], false, q(0.02, -9), q(0.02, -9)),
    ...[q(0.05, 7), q(0.0123, -20), q(0.1, 0)].flatMap((x) => [
      unary('LOGISTIC', x, q(1 / 256, -128)),
      unary('TANH', x, q(1 / 128, 0)),
      unary('HARD_SWISH', x, q(0.023, -100)),
      unary('LEAKY_RELU', x, q(0.031, 5), { alpha: 0.1 }),
      unary('RELU', x, q(0.02, -128)),
      unary('RELU6', x, q(0.025, -128)),
      unary('QUANTIZE', x, q(0.037, 3)),
    ]),
    unary('RSQRT', q(0.05, -128), q(0.02, -128)),
    unary('RSQRT', q(0.011, -128), q(0.05, -128)),
    unary('EXP', q(0.02, 0), q(0.05, -128)),
    unary('ABS', q(0.03, 5), q(0.02, -128)),
    single(
      'QUANTIZE float32 -> int8',
      'QUANTIZE',
      [{ name: 'x', shape: [3, 50], dtype: 'float32' }],
      () => [],
      {
        shape: [3, 50],
        q: q(0.0173, -9),
      },
    ),
    single(
      'DEQUANTIZE int8 -> float32',
      'DEQUANTIZE',
      [{ name: 'x', shape: [2, 128], q: q(0.037, 3), feed: Array.from({ length: 256 }, (_, i) => i - 128) }],
      () => [],
      { shape: [2, 128], dtype: 'float32' },
    ),
    ...[q(0.1, 3), q(0.3, -2)].map((x) =>
      single(
        `SOFTMAX s=${x.scale}`,
        'SOFTMAX',
        [{ name: 'x', shape: [4, 37], q: x }],
        () => [],
        {
          shape: [4, 37],
          q: q(1 / 256, -128),
        },
        { beta: 1 },
      ),
    ),
    single(
      'SOFTMAX 1000 classes',
      'SOFTMAX',
      [{ name: 'x', shape: [2, 1000], q: q(0.05, 3) }],
      () => [],
      { shape: [2, 1000], q: q(1 / 256, -128) },
      { beta: 1 },
    ),
    single(
      'RESHAPE',
      'RESHAPE',
      [{ name: 'x', shape: [2, 3, 4], q: q(0.1, 1) }],
      (b) => [b.int32('s', [2], [4, -1])],
      { shape: [4, 6], q: q(0.1, 1) },
    ),
    single(
      'SQUEEZE',
      'SQUEEZE',
      [{ name: 'x', shape: [1, 3, 1, 4], q: q(0.1, 1) }],
      () => [],
      { shape: [3, 4], q: q(0.1, 1) },
      { squeeze_dims: [0, 2] },
    ),
    single(
      'EXPAND_DIMS',
      'EXPAND_DIMS',
      [{ name: 'x', shape: [3, 4], q: q(0.1, 1) }],
      (b) => [b.int32('a', [1], [-1])],
      { shape: [3, 4, 1], q: q(0.1, 1) },
    ),
    single(
      'TRANSPOSE',
      'TRANSPOSE',
      [{ name: 'x', shape: [2, 3, 4, 5], q: q(0.1, 1) }],
      (b) => [b.int32('p', [4], [0, 3, 1, 2])],
      { shape: [2, 5, 3, 4], q: q(0.1, 1) },
    ),
    single(
      'CONCATENATION axis 1',
      'CONCATENATION',
      [
        { name: 'a', shape: [2, 3, 4], q: q(0.1, 1) },
        { name: 'b', shape: [2, 5, 4], q: q(0.1, 1) },
      ],
      () => [],
      { shape: [2, 8, 4], q: q(0.1, 1) },
      { axis: 1 },
    ),
    single(
      'PAD',
      'PAD',
      [{ name: 'x', shape: [1, 4, 5, 3], q: q(0.1, -7) }],
      (b) => [b.int32('p', [4, 2], [0, 0, 1, 2, 2, 1, 0, 0])],
      { shape: [1, 7, 8, 3], q: q(0.1, -7) },
    ),
    // rows of 40 x 3 values (copied as one block), and padding on the last axis (runs of one value)
    single(
      'PAD rows past the block-copy length',
      'PAD',
      [{ name: 'x', shape: [2, 3, 40, 3], q: q(0.1, 5) }],
      (b) => [b.int32('p', [4, 2], [1, 0, 2, 1, 1, 3, 0, 0])],
      { shape: [3, 6, 44, 3], q: q(0.1, 5) },
    ),
    single(
      'PAD channels',
      'PAD',
      [{ name: 'x', shape: [1, 3, 4, 5], q: q(0.1, 5) }],
      (b) => [b.int32('p', [4, 2], [0, 0, 0, 1, 0, 0, 2, 1])],
      { shape: [1, 4, 4, 8], q: q(0.1, 5) },
    ),
    // k = s = 2 as PP-OCR det's head; SAME with its odd padding; VALID past the full extent; ReLU fused
    transposeConv(1, 2, 2, [10, 14]),
    transposeConv(0, 2, 3, [10, 14]),
    transposeConv(0, 2, 3, [9, 13], 1),
    transposeConv(1, 3, 2, [15, 21]),
    // 2x as upsampling FPNs use it, and odd sizes for each coordinate convention
    ...(
      [
        ['x2', [4, 6], [8, 12], {}],
        ['5x7 -> 9x4', [5, 7], [9, 4], {}],
        ['half_pixel_centers', [5, 7], [9, 11], { half_pixel_centers: 1 }],
        ['align_corners', [5, 7], [9, 11], { align_corners: 1 }],
        ['x4, 70 channels', [3, 2], [12, 8], {}, 70],
      ] as const
    ).map(([label, [h, w], [oh, ow], attrs, c = 3]) =>
      single(
        `RESIZE_NEAREST_NEIGHBOR ${label}`,
        'RESIZE_NEAREST_NEIGHBOR',
        [{ name: 'x', shape: [2, h, w, c], q: q(0.1, -7) }],
        (b) => [b.int32('size', [2], [oh, ow])],
        { shape: [2, oh, ow, c], q: q(0.1, -7) },
        attrs,
      ),
    ),
    single(
      'GATHER axis 0',
      'GATHER',
      [
        { name: 'x', shape: [10, 6], q: q(0.1, 1) },
        { name: 'i', shape: [2, 3], dtype: 'int32', feed: [3, 0, 9, 9, 2, 5] },
      ],
      () => [],
      { shape: [2, 3, 6], q: q(0.1, 1) },
      { axis: 0 },
    ),
    // attention products as PP-OCRv4 rec's: q k^T (adj_y) and a broadcast batch axis, zero points off 0
    single(
      'BATCH_MATMUL adj_y, broadcast batch',
      'BATCH_MATMUL',
      [
        { name: 'a', shape: [2, 3, 5, 7], q: q(0.03, 5) },
        { name: 'b', shape: [1, 3, 6, 7], q: q(0.045, -7) },
      ],
      () => [],
      { shape: [2, 3, 5, 6], q: q(0.12, 3) },
      { adj_y: 1 },
    ),
    single(
      'BATCH_MATMUL adj_x',
      'BATCH_MATMUL',
      [
        { name: 'a', shape: [4, 9, 5], q: q(0.02, -2) },
        { name: 'b', shape: [4, 9, 8], q: q(0.05, 0) },
      ],
      () => [],
      { shape: [4, 5, 8], q: q(0.1, -4) },
      { adj_x: 1 },
    ),
    // rec's q k^T shape on power-of-two scales, where ties are frequent: y's zero point 0 sends LiteRT to
    // XNNPACK (ties to even); the one above (-7) to TFLite's kernel (fixed-point multiplier)
    single(
      'BATCH_MATMUL pow2 scales, ties',
      'BATCH_MATMUL',
      [
        { name: 'a', shape: [1, 8, 40, 15], q: q(2 ** -4, 3) },
        { name: 'b', shape: [1, 8, 40, 15], q: q(2 ** -5, 0) },
      ],
      () => [],
      { shape: [1, 8, 40, 40], q: q(2 ** -2, 0) },
      { adj_y: 1 },
    ),
    // PP-OCRv4 rec's attention splits q/k/v this way (rank 5, one index of axis 2 kept)
    single(
      'STRIDED_SLICE rank 5',
      'STRIDED_SLICE',
      [{ name: 'x', shape: [1, 4, 3, 2, 5], q: q(0.1, 1) }],
      (b) => [
        b.int32('b', [5], [0, 0, 1, 0, 0]),
        b.int32('e', [5], [1, 4, 2, 2, 5]),
        b.int32('s', [5], [1, 1, 1, 1, 1]),
      ],
      { shape: [1, 4, 1, 2, 5], q: q(0.1, 1) },
    ),
    // x[1:, ::-2, -4:7:3] with negative indices, a reversed axis and an end past the extent
    single(
      'STRIDED_SLICE masks, negative stride',
      'STRIDED_SLICE',
      [{ name: 'x', shape: [3, 5, 8], q: q(0.1, -3) }],
      (b) => [b.int32('b', [3], [1, 7, -4]), b.int32('e', [3], [0, 0, 70]), b.int32('s', [3], [1, -2, 3])],
      { shape: [2, 3, 2], q: q(0.1, -3) },
      { begin_mask: 2, end_mask: 3 },
    ),
    // x[:, -2, 1:3] (axis 1 dropped)
    single(
      'STRIDED_SLICE shrink_axis_mask',
      'STRIDED_SLICE',
      [{ name: 'x', shape: [2, 4, 6], q: q(0.1, 2) }],
      (b) => [b.int32('b', [3], [0, -2, 1]), b.int32('e', [3], [0, 0, 3]), b.int32('s', [3], [1, 1, 1])],
      { shape: [2, 2], q: q(0.1, 2) },
      { begin_mask: 1, end_mask: 1, shrink_axis_mask: 2 },
    ),
    // x[1, ..., None, ::2]: an ellipsis over the middle axes and a new axis before the last
    single(
      'STRIDED_SLICE ellipsis, new_axis_mask',
      'STRIDED_SLICE',
      [{ name: 'x', shape: [2, 3, 4, 5], q: q(0.1, 0) }],
      (b) => [
        b.int32('b', [4], [1, 0, 0, 0]),
        b.int32('e', [4], [2, 0, 0, 0]),
        b.int32('s', [4], [1, 1, 1, 2]),
      ],
      { shape: [3, 4, 1, 3], q: q(0.1, 0) },
      { shrink_axis_mask: 1, ellipsis_mask: 2, new_axis_mask: 4, end_mask: 8 },
    ),
  ];
}
