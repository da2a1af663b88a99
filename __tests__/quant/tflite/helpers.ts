import type { QParams } from '../../../src/ir/qparams.js';
import type { Model, Node, ValueType } from '../../../src/ir/graph.js';
import { Tensor } from '../../../src/ir/tensor.js';
import type { Feeds, SampleSource } from '../../../src/quant/calibrate.js';
import type { QuantSettings } from '../../../src/quant/quantize.js';
import { rng } from '../../../src/quant/samples.js';
import type { TfliteOutput } from '../../../src/runtime/litert.js';

/**
 * A smooth, image-like NHWC sample in [lo, hi]: a coarse random grid per channel, bilinearly upsampled,
 * plus a soft edge, so that neighbouring pixels correlate as in photos.
 */
export function smoothImage(h: number, w: number, c: number, seed: number, lo = 0, hi = 1): Float32Array {
  const next = rng(seed);
  const grid = 5;
  const coarse = Float32Array.from({ length: grid * grid * c }, () => next());
  const edge = { x: next() * w, slope: next() * 2 - 1, level: next() };
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const gy = (y / (h - 1)) * (grid - 1);
      const gx = (x / (w - 1)) * (grid - 1);
      const [y0, x0] = [Math.min(Math.floor(gy), grid - 2), Math.min(Math.floor(gx), grid - 2)];
      const [fy, fx] = [gy - y0, gx - x0];
      const side = 1 / (1 + Math.exp(-(x - edge.x - edge.slope * y) / 3));
      for (let k = 0; k < c; k++) {
        const at = (yy: number, xx: number) => coarse[(yy * grid + xx) * c + k]!;
        const v =
          at(y0, x0) * (1 - fy) * (1 - fx) +
          at(y0, x0 + 1) * (1 - fy) * fx +
          at(y0 + 1, x0) * fy * (1 - fx) +
          at(y0 + 1, x0 + 1) * fy * fx;
        const mixed = 0.7 * v + 0.3 * side * edge.level;
        out[(y * w + x) * c + k] = lo + (hi - lo) * mixed;
      }
    }
  return out;
}

/**
 * A synthetic selfie, NHWC [256, 256, 3] in [0, 1]: a smooth background with a head, hair and shoulders
 * whose place, size and colours vary with the seed. MediaPipe's selfie segmenter finds such a figure
 * (mask 0.15 to 0.45 of the frame), so its output spans [0, 1] rather than sitting at 0.
 */
export function selfieImage(seed: number): Float32Array {
  const next = rng(seed * 7919 + 13);
  const x = smoothImage(256, 256, 3, seed);
  const cx = 100 + next() * 56;
  const cy = 85 + next() * 30;
  const [rx, ry] = [38 + next() * 16, 50 + next() * 16];
  const skin = [0.75 + next() * 0.2, 0.55 + next() * 0.15, 0.4 + next() * 0.15];
  const shirt = [next(), next(), next()];
  const hair = next() * 0.3;
  for (let y = 0; y < 256; y++)
    for (let xx = 0; xx < 256; xx++) {
      const inHead = ((xx - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 1;
      const inHair = ((xx - cx) / (rx + 5)) ** 2 + ((y - cy + 12) / ry) ** 2 < 1 && y < cy - ry * 0.4;
      const neck = cy + ry * 0.8;
      const inBody = y > neck && Math.abs(xx - cx) < rx * 0.9 + (y - neck) * 1.2;
      for (let c = 0; c < 3; c++) {
        const i = (y * 256 + xx) * 3 + c;
        if (inHair) x[i] = hair;
        else if (inHead) x[i] = skin[c]! + 0.05 * Math.sin(xx / 9 + y / 7);
        else if (inBody) x[i] = shirt[c]! * (0.8 + 0.2 * Math.cos(y / 11));
      }
    }
  return x;
}

/** `count` samples made by `make(seed)` for one input, regenerated on every pass (nothing is kept). */
export function generatedSource(
  input: string,
  dims: number[],
  count: number,
  make: (seed: number) => Float32Array,
  seed = 1,
): SampleSource {
  return {
    count,
    kind: 'synthetic',
    async *samples() {
      for (let i = 0; i < count; i++) yield { [input]: Tensor.float32(dims, make(seed + i)) } as Feeds;
    },
  };
}

export function settings(over: Partial<QuantSettings> = {}): QuantSettings {
  return {
    scheme: 'affine',
    biasMode: 'B16',
    perChannel: true,
    calibMethod: 'minmax',
    percentile: 99.99,
    exclude: [],
    ...over,
  };
}

/** Signal-to-quantization-noise ratio in dB of `test` against `ref`. */
export function sqnr(ref: ArrayLike<number>, test: ArrayLike<number>): number {
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < ref.length; i++) {
    signal += ref[i]! ** 2;
    noise += (ref[i]! - test[i]!) ** 2;
  }
  return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
}

export const floats = (o: TfliteOutput | undefined): Float32Array => o!.data as Float32Array;

/** NCHW [1, C, H, W] to NHWC [1, H, W, C]. */
export function nchwToNhwc(t: Tensor): Tensor {
  const [n, c, h, w] = t.dims as [number, number, number, number];
  const src = t.toFloat32();
  const out = new Float32Array(src.length);
  for (let b = 0; b < n; b++)
    for (let k = 0; k < c; k++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + k] = src[((b * c + k) * h + y) * w + x]!;
  return Tensor.float32([n, h, w, c], out);
}

/**
 * The float twin of an int8 TFLite-domain model ("fake quantization"): each int8 op runs float between a
 * DEQUANTIZE of its int8 inputs and a QUANTIZE of its output to the same int8 tensor, and its int8/int32
 * constants become their dequantized float values. It rounds exactly where the int8 model does, with
 * float arithmetic in between, so the two agree up to the int8 kernels' own rounding.
 */
export function fakeQuantTwin(model: Model): Model {
  const g = model.graph.clone();
  const quantOf = (name: string) => g.quantOf(name);
  const isInt8 = (name: string) =>
    g.typeOf(name)?.kind === 'tensor' && (g.typeOf(name) as { dtype: string }).dtype === 'int8';
  const nodes: Node[] = [];
  const floatValue = (name: string, suffix: string) => {
    const t = g.typeOf(name)!;
    const f = `${name}__${suffix}`;
    if (!g.valueInfo.has(f))
      g.valueInfo.set(f, { name: f, type: { ...(t as object), dtype: 'float32' } as ValueType });
    return f;
  };
  for (const node of model.graph.nodes) {
    if (node.opType === 'QUANTIZE' || node.opType === 'DEQUANTIZE') {
      nodes.push(node);
      continue;
    }
    const copy = { ...node, inputs: [...node.inputs], outputs: [...node.outputs] };
    copy.inputs = node.inputs.map((name) => {
      const q = name ? quantOf(name) : undefined;
      if (!q) return name;
      const constant = g.initializers.get(name);
      if (constant) {
        const f = `${name}__f`;
        g.initializers.set(f, Tensor.float32(constant.dims, dequantized(constant, q)));
        return f;
      }
      const f = floatValue(name, 'dequantized');
      if (!nodes.some((n) => n.outputs[0] === f))
        nodes.push({
          name: f,
          opType: 'DEQUANTIZE',
          domain: 'tflite',
          inputs: [name],
          outputs: [f],
          attrs: {},
        });
      return f;
    });
    const requant: Node[] = [];
    copy.outputs = node.outputs.map((name) => {
      if (!name || !isInt8(name)) return name;
      const f = floatValue(name, 'float');
      requant.push({ name, opType: 'QUANTIZE', domain: 'tflite', inputs: [f], outputs: [name], attrs: {} });
      return f;
    });
    nodes.push(copy, ...requant);
  }
  g.nodes = nodes;
  return { ...model, graph: g };
}

function dequantized(t: Tensor, q: QParams): Float32Array {
  const raw = t.toNumbers();
  if (q.scale.length === 1) return Float32Array.from(raw, (v) => (v - (q.zeroPoint[0] ?? 0)) * q.scale[0]!);
  const axis = q.axis ?? 0;
  const inner = t.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channels = t.dims[axis]!;
  return Float32Array.from(raw, (v, i) => {
    const c = Math.floor(i / inner) % channels;
    return (v - (q.zeroPoint[c] ?? 0)) * q.scale[c]!;
  });
}

/**
 * How closely an int8 tensor of the quantized model, dequantized, follows the float model's tensor of
 * the same name: the share of elements within `steps` quantization steps (elements the int8 range cannot
 * hold are compared with the clamped value).
 */
export function agreement(float: Float32Array, int8: Int8Array, q: QParams, steps = 1): number {
  const [s, z] = [q.scale[0]!, q.zeroPoint[0]!];
  const [lo, hi] = [(-128 - z) * s, (127 - z) * s];
  let ok = 0;
  for (let i = 0; i < float.length; i++) {
    const want = Math.min(hi, Math.max(lo, float[i]!));
    if (Math.abs((int8[i]! - z) * s - want) <= steps * s) ok++;
  }
  return ok / float.length;
}
