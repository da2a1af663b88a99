import { float, int, ints } from '../../src/ir/attrs.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { GraphBuilder, scalar } from './builder.js';
import {
  affineClip,
  channelStats,
  conv2d,
  globalAveragePool,
  patchCovariances,
  type ConvSpec,
  type FeatureMap,
} from './cnn.js';
import { Covariance, symmetricEigen } from './linalg.js';
import type { Random } from './random.js';

/**
 * Width multiplier, input resolution and classes: MobileNetV1 0.5 at 96x96 (5 MB). At alpha 0.25 the
 * per-channel parameters every int8 format must store (scales, int64 TFLite zero points, int32 biases)
 * already came to 0.277 of the float .tflite: no quantizer could reach the 4x that real MobileNets give.
 */
export const MOBILENET = { alpha: 0.5, size: 96, classes: 1000 } as const;
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
/** Patch statistics are taken at every 3rd output position in each direction: plenty, and 9x faster. */
const PATCH_STEP = 3;

/**
 * MobileNetV1 with BatchNormalization kept as separate nodes (convs without bias), ReLU6 as Clip(0, 6).
 *
 * The weights are synthetic but built to behave like trained ones, layer by layer on `calibration`
 * images with the float reference kernels:
 * - Each filter is drawn from N(0, Σ), Σ the covariance of the input patches it sees (see
 *   `patchFilters`), with a log-normal spread of filter norms.
 * - Each BatchNormalization gets the running statistics training would have left: the mean and variance
 *   its input really has, slightly off as an exponential moving average is; gamma around 1 and a small
 *   positive beta, so that about a third of the units sit at 0.
 * - The classifier tells apart what the pooled features really vary in (see `classifier`).
 *
 * He-initialized random filters instead make the network chaotic: weight noise of 0.1% RMS leaves an
 * output SQNR of about 8 dB, where a trained MobileNet keeps per-channel int8 weights at 25-35 dB.
 * Behind a BatchNormalization that removes the mean, a ReLU has a gain above 1 for errors (relative to
 * the signal it passes), and 27 layers of it compound. Filters aligned with what their input varies in
 * pass its signal and damp the isotropic noise a weight error adds, so errors stay near the level each
 * layer adds them at, as in a trained net.
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
    const weight = patchFilters(rng, maps, spec);
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
  const fc = classifier(rng, maps.map(globalAveragePool), classes);
  const logits = b.node('Gemm', 'fc', [flat, b.init('fc.weight', fc.weight), b.init('fc.bias', fc.bias)], {
    transB: int(1),
  });
  b.node('Softmax', 'softmax', [logits], { axis: int(1) }, 'output');
  b.output('output', 'float32', [1, classes]);
  return b.model(
    `MobileNetV1 alpha=${alpha} ${size}x${size}, BatchNormalization not folded; synthetic weights (model-quant example)`,
  );
}

/**
 * Filters [M, C/group, k, k] drawn from N(0, Σ), Σ the covariance of the patches each group sees: in
 * the eigenbasis of Σ, direction i gets a Gaussian coefficient of standard deviation sqrt(λi). Like a
 * Hebbian filter (a random mix of the patches themselves), a filter so responds to what its input varies
 * in and hardly to the rest: depthwise kernels come out smooth and oriented, pointwise layers mix the
 * leading components of their input. Each filter is then scaled to a He-normal norm, sqrt(2), times a
 * log-normal gain, the spread of filter norms trained layers have.
 */
function patchFilters(rng: Random, maps: FeatureMap[], spec: ConvSpec): Float32Array {
  const covs = patchCovariances(maps, spec, PATCH_STEP);
  const fanIn = covs[0]!.n;
  const perGroup = spec.outChannels / spec.group;
  const w = new Float32Array(spec.outChannels * fanIn);
  covs.forEach((cov, g) => {
    const { values, vectors } = symmetricEigen(cov.matrix(), fanIn);
    for (let o = g * perGroup; o < (g + 1) * perGroup; o++) {
      const filter = new Float64Array(fanIn);
      for (let i = 0; i < fanIn; i++) {
        const coefficient = rng.normal(0, Math.sqrt(values[i]!));
        for (let j = 0; j < fanIn; j++) filter[j] += coefficient * vectors[i]![j]!;
      }
      let norm = 0;
      for (let j = 0; j < fanIn; j++) norm += filter[j]! ** 2;
      const gain = (Math.SQRT2 * rng.logNormal(0.4)) / Math.sqrt(norm);
      for (let j = 0; j < fanIn; j++) w[o * fanIn + j] = filter[j]! * gain;
    }
  });
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
    p.bias[c] = rng.normal(0.5, 0.2);
    // Running averages lag the true statistics a little.
    p.mean[c] = stats.mean[c]! + rng.normal(0, 0.05) * sd;
    p.var[c] = Math.max(stats.variance[c]! * rng.logNormal(0.1), 1e-6);
  }
  return p;
}

/** The classifier's shape: how many classes the images resemble, and how sure it is of them. */
const CLASSIFIER = {
  /** Leading principal components of the pooled features the classes are told apart in. */
  components: 3,
  /** About this many of the classes are ones the images look like. */
  seen: 30,
  /** Logit per unit of the first component's standard deviation along a seen class's direction. */
  gain: 9,
  /** Other classes respond at this fraction of the gain, from this lower logit. */
  otherGain: 0.2,
  otherLogit: -4,
};

/**
 * Gemm weights [classes, features] and bias: a cosine classifier over the leading principal components
 * of the pooled features (measured on the calibration images), each scaled by λ^-1/4, halfway to
 * whitened: the weaker components count, without their noise being blown up to the strongest one's
 * level. A class is a unit direction in that space; the images resemble about `seen` classes, and the
 * rest respond weakly from a lower logit. An image's top class is so the one whose direction is nearest
 * its features, with a confidence that grows with how far they are from the mean: top-1 classes vary
 * from image to image, top probabilities spread, and the logits depend only on what the features
 * really vary in, as a trained classifier's mostly do.
 */
function classifier(
  rng: Random,
  features: Float64Array[],
  classes: number,
): { weight: Tensor; bias: Tensor } {
  const dim = features[0]!.length;
  const cov = new Covariance(dim);
  for (const f of features) cov.add(f);
  const mean = cov.mean();
  const { values, vectors } = symmetricEigen(cov.matrix(), dim);
  const { components, seen, gain, otherGain, otherLogit } = CLASSIFIER;
  // Component i scaled by (λi / λ1)^-1/4 / sqrt(λ1): the first has a unit standard deviation.
  const axes = vectors.slice(0, components).map((v, i) => {
    const s = 1 / Math.sqrt(Math.sqrt(values[i]! / values[0]!) * values[0]!);
    return v.map((x) => x * s);
  });
  const weight = new Float32Array(classes * dim);
  const bias = new Float32Array(classes);
  for (let k = 0; k < classes; k++) {
    const direction = Array.from({ length: components }, () => rng.normal());
    const isSeen = rng.uniform() < seen / classes;
    const scale = ((isSeen ? 1 : otherGain) * gain) / Math.sqrt(direction.reduce((a, d) => a + d * d, 0));
    let center = 0;
    for (let j = 0; j < dim; j++) {
      let w = 0;
      for (let i = 0; i < components; i++) w += direction[i]! * axes[i]![j]!;
      weight[k * dim + j] = w * scale;
      center += weight[k * dim + j]! * mean[j]!;
    }
    bias[k] = -center + (isSeen ? 0 : otherLogit);
  }
  return { weight: Tensor.float32([classes, dim], weight), bias: Tensor.float32([classes], bias) };
}
