/**
 * Float reference kernels for one image in CHW layout, used only to measure the activation statistics
 * the example models' BatchNorm layers and classifiers are set from. Plain JS arithmetic in a fixed
 * order, so the statistics (and so the model bytes) are the same on every machine; a runtime's kernels
 * may sum in another order depending on the CPU.
 */
import { Covariance } from './linalg.js';

export interface FeatureMap {
  c: number;
  h: number;
  w: number;
  data: Float32Array;
}

export interface ConvSpec {
  outChannels: number;
  kernel: number;
  stride: number;
  pad: number;
  group: number;
}

/** Conv2D without bias, weights [M, C/group, k, k] (ONNX Conv). */
export function conv2d(x: FeatureMap, weight: Float32Array, s: ConvSpec): FeatureMap {
  const { outChannels: m, kernel: k, stride, pad, group } = s;
  const h = Math.floor((x.h + 2 * pad - k) / stride) + 1;
  const w = Math.floor((x.w + 2 * pad - k) / stride) + 1;
  const inPer = x.c / group;
  const outPer = m / group;
  const out = new Float32Array(m * h * w);
  for (let oc = 0; oc < m; oc++) {
    const ic0 = Math.floor(oc / outPer) * inPer;
    for (let oy = 0; oy < h; oy++) {
      for (let ox = 0; ox < w; ox++) {
        let acc = 0;
        for (let ic = 0; ic < inPer; ic++) {
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= x.h) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * stride - pad + kx;
              if (ix < 0 || ix >= x.w) continue;
              acc +=
                x.data[((ic0 + ic) * x.h + iy) * x.w + ix]! * weight[((oc * inPer + ic) * k + ky) * k + kx]!;
            }
          }
        }
        out[(oc * h + oy) * w + ox] = acc;
      }
    }
  }
  return { c: m, h, w, data: out };
}

/** Per-channel mean and (population) variance over a batch of feature maps. */
export function channelStats(maps: FeatureMap[]): { mean: Float64Array; variance: Float64Array } {
  const { c, h, w } = maps[0]!;
  const mean = new Float64Array(c);
  const variance = new Float64Array(c);
  const n = maps.length * h * w;
  for (let ch = 0; ch < c; ch++) {
    let sum = 0;
    let sq = 0;
    for (const m of maps) {
      for (let i = ch * h * w; i < (ch + 1) * h * w; i++) {
        sum += m.data[i]!;
        sq += m.data[i]! * m.data[i]!;
      }
    }
    mean[ch] = sum / n;
    variance[ch] = Math.max(0, sq / n - (sum / n) ** 2);
  }
  return { mean, variance };
}

/** y = clip(x * scale[c] + shift[c], lo, hi), in place: BatchNormalization folded, then ReLU6. */
export function affineClip(
  x: FeatureMap,
  scale: ArrayLike<number>,
  shift: ArrayLike<number>,
  lo: number,
  hi: number,
): void {
  const plane = x.h * x.w;
  for (let ch = 0; ch < x.c; ch++) {
    for (let i = ch * plane; i < (ch + 1) * plane; i++) {
      x.data[i] = Math.min(hi, Math.max(lo, x.data[i]! * scale[ch]! + shift[ch]!));
    }
  }
}

export function globalAveragePool(x: FeatureMap): Float64Array {
  const out = new Float64Array(x.c);
  const plane = x.h * x.w;
  for (let ch = 0; ch < x.c; ch++) {
    let sum = 0;
    for (let i = ch * plane; i < (ch + 1) * plane; i++) sum += x.data[i]!;
    out[ch] = sum / plane;
  }
  return out;
}

/**
 * Covariance of the patches a convolution sees, one per group: the [C/group, k, k] input window at
 * every `step`-th output position (zero padding included), over a batch of feature maps.
 */
export function patchCovariances(maps: FeatureMap[], s: ConvSpec, step: number): Covariance[] {
  const { c } = maps[0]!;
  const { kernel: k, stride, pad, group } = s;
  const inPer = c / group;
  const covs = Array.from({ length: group }, () => new Covariance(inPer * k * k));
  const patch = new Float64Array(inPer * k * k);
  for (const m of maps) {
    const h = Math.floor((m.h + 2 * pad - k) / stride) + 1;
    const w = Math.floor((m.w + 2 * pad - k) / stride) + 1;
    for (let oy = 0; oy < h; oy += step) {
      for (let ox = 0; ox < w; ox += step) {
        covs.forEach((cov, g) => {
          let i = 0;
          for (let ic = g * inPer; ic < (g + 1) * inPer; ic++) {
            for (let ky = 0; ky < k; ky++) {
              const iy = oy * stride - pad + ky;
              for (let kx = 0; kx < k; kx++) {
                const ix = ox * stride - pad + kx;
                patch[i++] =
                  iy < 0 || iy >= m.h || ix < 0 || ix >= m.w ? 0 : m.data[(ic * m.h + iy) * m.w + ix]!;
              }
            }
          }
          cov.add(patch);
        });
      }
    }
  }
  return covs;
}
