import fs from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataError, InvalidOptionError } from '../errors.js';
import { Tensor } from '../ir/tensor.js';

/** How an image becomes a model input (--preprocess). Mean and std are in units of pixel / 255. */
export interface Preprocess {
  size?: [height: number, width: number];
  mean: [number, number, number];
  std: [number, number, number];
  order: 'rgb' | 'bgr';
  layout?: 'nchw' | 'nhwc';
}

export const DEFAULT_PREPROCESS: Preprocess = { mean: [0, 0, 0], std: [1, 1, 1], order: 'rgb' };

/**
 * Parses `resize=224x224;mean=0.485,0.456,0.406;std=0.229,0.224,0.225;order=bgr;layout=nhwc`
 * (every part optional; `imagenet` is shorthand for ImageNet's mean and std).
 */
export function parsePreprocess(text: string | undefined): Preprocess {
  const p: Preprocess = { ...DEFAULT_PREPROCESS };
  if (!text) return p;
  for (const part of text
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (part === 'imagenet') {
      p.mean = [0.485, 0.456, 0.406];
      p.std = [0.229, 0.224, 0.225];
      continue;
    }
    const [key, value = ''] = part.split('=').map((s) => s.trim());
    if (key === 'resize') {
      const [h, w] = value.split('x').map(Number);
      if (!Number.isInteger(h) || !Number.isInteger(w) || h! <= 0 || w! <= 0)
        bad(part, 'resize=HxW, e.g. resize=224x224');
      p.size = [h!, w!];
    } else if (key === 'mean' || key === 'std') {
      const v = value.split(',').map(Number);
      if (v.length !== 3 || v.some((x) => !Number.isFinite(x)) || (key === 'std' && v.some((x) => x <= 0)))
        bad(part, `${key}=a,b,c with three numbers`);
      p[key] = v as [number, number, number];
    } else if (key === 'order' && (value === 'rgb' || value === 'bgr')) p.order = value;
    else if (key === 'layout' && (value === 'nchw' || value === 'nhwc')) p.layout = value;
    else bad(part, 'resize=HxW; mean=a,b,c; std=a,b,c; order=rgb|bgr; layout=nchw|nhwc; imagenet');
  }
  return p;
}

function bad(part: string, expected: string): never {
  throw new InvalidOptionError('preprocess', `'${part}' is not valid; use ${expected}`);
}

/** Decodes a .png or .jpg into a float32 tensor [1,3,H,W] or [1,H,W,3] ready for the model. */
export function readImageSample(
  file: string,
  p: Preprocess,
  inputShape?: readonly (number | string | null)[],
): Tensor {
  const rgba = decode(file);
  const layout = p.layout ?? (inputShape?.[1] === 3 ? 'nchw' : inputShape?.[3] === 3 ? 'nhwc' : 'nchw');
  const size = p.size ?? sizeFrom(inputShape, layout) ?? [rgba.height, rgba.width];
  const [h, w] = size;
  const out = new Float32Array(3 * h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        const src = p.order === 'rgb' ? c : 2 - c;
        const v =
          bilinear(rgba, (x + 0.5) * (rgba.width / w) - 0.5, (y + 0.5) * (rgba.height / h) - 0.5, src) / 255;
        const norm = (v - p.mean[src]!) / p.std[src]!;
        out[layout === 'nchw' ? c * h * w + y * w + x : (y * w + x) * 3 + c] = norm;
      }
    }
  }
  return Tensor.float32(layout === 'nchw' ? [1, 3, h, w] : [1, h, w, 3], out);
}

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function decode(file: string): Rgba {
  const bytes = fs.readFileSync(file);
  try {
    if (/\.png$/i.test(file)) return PNG.sync.read(bytes);
    return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  } catch (e) {
    throw new DataError(file, `cannot decode the image (${(e as Error).message})`);
  }
}

function sizeFrom(
  shape: readonly (number | string | null)[] | undefined,
  layout: 'nchw' | 'nhwc',
): [number, number] | undefined {
  const [h, w] = layout === 'nchw' ? [shape?.[2], shape?.[3]] : [shape?.[1], shape?.[2]];
  return typeof h === 'number' && typeof w === 'number' ? [h, w] : undefined;
}

// Bilinear sampling with half-pixel centers and edge clamping, as image libraries resize. Written here
// because it is a few lines and the portable alternatives (sharp) are native binaries.
function bilinear(img: Rgba, fx: number, fy: number, c: number): number {
  const x0 = Math.max(0, Math.min(img.width - 1, Math.floor(fx)));
  const y0 = Math.max(0, Math.min(img.height - 1, Math.floor(fy)));
  const x1 = Math.min(img.width - 1, x0 + 1);
  const y1 = Math.min(img.height - 1, y0 + 1);
  const ax = Math.max(0, Math.min(1, fx - x0));
  const ay = Math.max(0, Math.min(1, fy - y0));
  const at = (x: number, y: number) => img.data[(y * img.width + x) * 4 + c]!;
  const top = at(x0, y0) * (1 - ax) + at(x1, y0) * ax;
  const bottom = at(x0, y1) * (1 - ax) + at(x1, y1) * ax;
  return top * (1 - ay) + bottom * ay;
}
