import type { Random } from './random.js';

/** ImageNet preprocessing constants (torchvision / Keras "torch" mode): per-channel mean and std of RGB in [0, 1]. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * A synthetic photo-like RGB image, planar [3, size, size] in [0, 1], quantized to 8 bits as a decoded
 * JPEG would be. Natural images are piecewise smooth with edges and a roughly 1/f amplitude spectrum: a
 * lit two-tone background (sky and ground), soft-edged shaded objects, and multi-octave texture whose
 * amplitude halves per octave. White noise would give a quantizer ranges no real input has.
 */
export function naturalImage(rng: Random, size: number): Float32Array {
  const img = new Float32Array(3 * size * size);
  background(rng, size, img);
  const objects = 3 + rng.int(8);
  for (let i = 0; i < objects; i++) addObject(rng, size, img);
  addTexture(rng, size, img);
  for (let i = 0; i < img.length; i++) img[i] = Math.round(Math.min(1, Math.max(0, img[i]!)) * 255) / 255;
  return img;
}

/** (x - mean) / std per channel, as the model's training pipeline would feed it. */
export function normalizeImageNet(img: Float32Array, size: number): Float32Array {
  const out = new Float32Array(img.length);
  const plane = size * size;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++)
      out[c * plane + i] = (img[c * plane + i]! - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
  }
  return out;
}

function color(rng: Random): number[] {
  // Real colors are mostly desaturated: a gray level plus a modest tint.
  const gray = rng.range(0.1, 0.9);
  return [0, 1, 2].map(() => gray + rng.normal(0, 0.12));
}

function background(rng: Random, size: number, img: Float32Array): void {
  const [top, horizon, ground, bottom] = [color(rng), color(rng), color(rng), color(rng)];
  const y0 = rng.range(0.25, 0.75) * size;
  const light = rng.normal(0, 0.25);
  for (let y = 0; y < size; y++) {
    const sky = y < y0;
    const t = sky ? y / y0 : (y - y0) / (size - y0);
    for (let x = 0; x < size; x++) {
      const shade = 1 + light * (x / size - 0.5);
      for (let c = 0; c < 3; c++) {
        const v = sky ? top[c]! + (horizon[c]! - top[c]!) * t : ground[c]! + (bottom[c]! - ground[c]!) * t;
        img[(c * size + y) * size + x] = v * shade;
      }
    }
  }
}

/** An ellipse or a rotated rectangle with an anti-aliased edge and a linear shading across it. */
function addObject(rng: Random, size: number, img: Float32Array): void {
  const cx = rng.range(0, size);
  const cy = rng.range(0, size);
  const rx = rng.range(3, size / 3);
  const ry = rng.range(3, size / 3);
  const angle = rng.range(0, Math.PI);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const ellipse = rng.uniform() < 0.5;
  const edge = rng.range(0.6, 2.5);
  const rgb = color(rng);
  const shading = rng.normal(0, 0.3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = ((x - cx) * cos + (y - cy) * sin) / rx;
      const v = (-(x - cx) * sin + (y - cy) * cos) / ry;
      // Approximate signed distance to the outline, in pixels.
      const d = ellipse
        ? (Math.hypot(u, v) - 1) * Math.min(rx, ry)
        : Math.max(Math.abs(u) * rx - rx, Math.abs(v) * ry - ry);
      const alpha = Math.min(1, Math.max(0, 0.5 - d / edge));
      if (alpha === 0) continue;
      const shade = 1 + shading * u;
      for (let c = 0; c < 3; c++) {
        const i = (c * size + y) * size + x;
        img[i] = img[i]! * (1 - alpha) + rgb[c]! * shade * alpha;
      }
    }
  }
}

/** Value noise over 5 octaves, amplitude halving per octave (1/f); mostly luminance, a little chroma. */
function addTexture(rng: Random, size: number, img: Float32Array): void {
  const strength = rng.range(0.04, 0.16);
  for (let octave = 0; octave < 5; octave++) {
    const cells = 3 << octave;
    const amplitude = strength / 2 ** octave;
    const luma = valueNoise(rng, cells);
    const chroma = [valueNoise(rng, cells), valueNoise(rng, cells), valueNoise(rng, cells)];
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const gx = (x / size) * cells;
        const gy = (y / size) * cells;
        const l = luma(gx, gy);
        for (let c = 0; c < 3; c++)
          img[(c * size + y) * size + x] += amplitude * (l + 0.3 * chroma[c]!(gx, gy));
      }
    }
  }
}

function valueNoise(rng: Random, cells: number): (x: number, y: number) => number {
  const n = cells + 1;
  const grid = new Float64Array(n * n);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.range(-1, 1);
  return (x, y) => {
    const i = Math.min(Math.floor(x), cells - 1);
    const j = Math.min(Math.floor(y), cells - 1);
    const s = smoothstep(x - i);
    const t = smoothstep(y - j);
    const k = j * n + i;
    const top = grid[k]! + (grid[k + 1]! - grid[k]!) * s;
    const bottom = grid[k + n]! + (grid[k + n + 1]! - grid[k + n]!) * s;
    return top + (bottom - top) * t;
  };
}

function smoothstep(t: number): number {
  return t * t * (3 - 2 * t);
}
