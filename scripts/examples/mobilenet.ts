import { float, int, ints } from '../../src/ir/attrs.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder, scalar } from './builder.js';
import {
  affineClip,
  channelStats,
  conv2d,
  globalAveragePool,
  type ConvSpec,
  type FeatureMap,
} from './cnn.js';
import type { Random } from './random.js';

/** Width multiplier, input resolution and classes: MobileNetV1 0.25 at 96x96 keeps the file under 2 MB. */
export const MOBILENET = { alpha: 0.25, size: 96, classes: 1000 } as const;
/** Keras' MobileNet BatchNormalization epsilon. */
const BN_EPSILON = 1e-3;
/** The 13 depthwise-separable blocks of MobileNetV1 (Howard et al. 2017, table 1): dw stride, pw channels. */
const BLOCKS: [number, number][] = [
  [1, 64],
  [2, 128],
  [1, 128],
  [2, 256],
  [1, 256],
  [2, 512],
  [1, 512],
  [1, 512],
  [1, 512],
  [1, 512],
  [1, 512],
  [2, 1024],
  [1, 1024],
];

/**
 * MobileNetV1 with BatchNormalization kept as separate nodes (convs without bias), ReLU6 as Clip(0, 6).
 * Weights are He-initialized with a per-filter spread of norms; each BatchNormalization gets the running
 * statistics training would have left: the mean and variance its input really has on `calibration`
 * images (measured layer by layer with the float reference kernels), slightly off as an exponential
 * moving average is, with gamma around 1 and a small beta. Activations so stay in ReLU6's range as in a
 * trained net. The classifier is fitted to the pooled features' spread so that the class scores differ
 * from image to image.
 */
export function buildMobileNet(rng: Random, calibration: Float32Array[]): Model {
  const { alpha, size, classes } = MOBILENET;
  const b = new GraphBuilder('mobilenet_v1_bn');
  let x = b.input('input', 'float32', [1, 3, size, size]);
  b.init('relu6.min', scalar(0));
  b.init('relu6.max', scalar(6));
  let maps: FeatureMap[] = calibration.map((data) => ({ c: 3, h: size, w: size, data }));

  const convBnRelu6 = (name: string, spec: ConvSpec) => {
    const inPer = maps[0]!.c / spec.group;
    const weight = heWeights(rng, spec.outChannels, inPer * spec.kernel * spec.kernel);
    const conv = b.node(
      'Conv',
      name,
      [
        x,
        b.init(`${name}.weight`, Tensor.float32([spec.outChannels, inPer, spec.kernel, spec.kernel], weight)),
      ],
      {
        kernel_shape: ints([spec.kernel, spec.kernel]),
        strides: ints([spec.stride, spec.stride]),
        pads: ints([spec.pad, spec.pad, spec.pad, spec.pad]),
        group: int(spec.group),
      },
    );
    maps = maps.map((m) => conv2d(m, weight, spec));
    const bn = trainedBatchNorm(rng, channelStats(maps));
    const bnOut = b.node(
      'BatchNormalization',
      `${name}_bn`,
      [
        conv,
        ...(['scale', 'bias', 'mean', 'var'] as const).map((k) =>
          b.init(`${name}_bn.${k}`, Tensor.float32([spec.outChannels], bn[k])),
        ),
      ],
      {
        epsilon: float(BN_EPSILON),
      },
    );
    const scale = bn.scale.map((g, c) => g / Math.sqrt(bn.var[c]! + BN_EPSILON));
    const shift = bn.bias.map((beta, c) => beta - bn.mean[c]! * scale[c]!);
    for (const m of maps) affineClip(m, scale, shift, 0, 6);
    x = b.node('Clip', `${name}_relu6`, [bnOut, 'relu6.min', 'relu6.max']);
  };

  convBnRelu6('conv0', { outChannels: Math.round(32 * alpha), kernel: 3, stride: 2, pad: 1, group: 1 });
  BLOCKS.forEach(([stride, channels], i) => {
    const c = maps[0]!.c;
    convBnRelu6(`block${i + 1}_dw`, { outChannels: c, kernel: 3, stride, pad: 1, group: c });
    convBnRelu6(`block${i + 1}_pw`, {
      outChannels: Math.round(channels * alpha),
      kernel: 1,
      stride: 1,
      pad: 0,
      group: 1,
    });
  });

  const pooled = b.node('GlobalAveragePool', 'pool', [x]);
  const flat = b.node('Flatten', 'flatten', [pooled], { axis: int(1) });
  const features = maps.map(globalAveragePool);
  const fc = classifier(rng, features, classes);
  const logits = b.node('Gemm', 'fc', [flat, b.init('fc.weight', fc.weight), b.init('fc.bias', fc.bias)], {
    transB: int(1),
  });
  b.node('Softmax', 'softmax', [logits], { axis: int(1) }, 'output');
  b.output('output', 'float32', [1, classes]);
  return b.model(
    `MobileNetV1 alpha=${alpha} ${size}x${size}, BatchNormalization not folded; synthetic weights (model-quant example)`,
  );
}

/** He-normal weights (std sqrt(2 / fan_in)); trained filters differ in norm, so each gets a log-normal gain. */
function heWeights(rng: Random, outChannels: number, fanIn: number): Float32Array {
  const w = new Float32Array(outChannels * fanIn);
  const std = Math.sqrt(2 / fanIn);
  for (let o = 0; o < outChannels; o++) {
    const gain = rng.logNormal(0.4);
    for (let i = 0; i < fanIn; i++) w[o * fanIn + i] = rng.normal(0, std * gain);
  }
  return w;
}

interface BatchNormParams {
  scale: Float32Array;
  bias: Float32Array;
  mean: Float32Array;
  var: Float32Array;
}

function trainedBatchNorm(
  rng: Random,
  stats: { mean: Float64Array; variance: Float64Array },
): BatchNormParams {
  const n = stats.mean.length;
  const p: BatchNormParams = {
    scale: new Float32Array(n),
    bias: new Float32Array(n),
    mean: new Float32Array(n),
    var: new Float32Array(n),
  };
  for (let c = 0; c < n; c++) {
    const sd = Math.sqrt(stats.variance[c]!);
    p.scale[c] = rng.logNormal(0.25);
    p.bias[c] = rng.normal(0.1, 0.2);
    // Running averages lag the true statistics a little.
    p.mean[c] = stats.mean[c]! + rng.normal(0, 0.05) * sd;
    p.var[c] = Math.max(stats.variance[c]! * rng.logNormal(0.1), 1e-6);
  }
  return p;
}

/**
 * Gemm weights [classes, features] and bias: random directions over standardized features, scaled so
 * that the logits spread with a standard deviation of about 3 across images, centered per class.
 */
function classifier(
  rng: Random,
  features: Float64Array[],
  classes: number,
): { weight: Tensor; bias: Tensor } {
  const dim = features[0]!.length;
  const mean = new Float64Array(dim);
  const sd = new Float64Array(dim);
  for (const f of features) for (let j = 0; j < dim; j++) mean[j] += f[j]! / features.length;
  for (const f of features) for (let j = 0; j < dim; j++) sd[j] += (f[j]! - mean[j]!) ** 2 / features.length;
  const sorted = Array.from(sd, Math.sqrt).sort((a, b) => a - b);
  const floor = Math.max(0.1 * sorted[sorted.length >> 1]!, 1e-3);
  const w = new Float64Array(classes * dim);
  for (let k = 0; k < classes; k++) {
    for (let j = 0; j < dim; j++) w[k * dim + j] = rng.normal() / Math.max(Math.sqrt(sd[j]!), floor);
  }
  let spread = 0;
  for (const f of features) {
    for (let k = 0; k < classes; k++) {
      let z = 0;
      for (let j = 0; j < dim; j++) z += w[k * dim + j]! * (f[j]! - mean[j]!);
      spread += (z * z) / (features.length * classes);
    }
  }
  const gain = 3 / Math.sqrt(spread);
  const weight = new Float32Array(classes * dim);
  const bias = new Float32Array(classes);
  for (let k = 0; k < classes; k++) {
    let center = 0;
    for (let j = 0; j < dim; j++) {
      weight[k * dim + j] = w[k * dim + j]! * gain;
      center += weight[k * dim + j]! * mean[j]!;
    }
    bias[k] = -center + rng.normal(0, 0.5);
  }
  return { weight: Tensor.float32([classes, dim], weight), bias: Tensor.float32([classes], bias) };
}
