/**
 * Rendered pages for PP-OCR det: text lines of seeded strings (bench/text-lines.ts's generator), in
 * DejaVu fonts at several sizes and positions, drawn by ImageMagick (/usr/bin/convert) on a plain page,
 * preprocessed as PaddleOCR's detector does (DetResizeForTest: each side resized to a multiple of 32;
 * NormalizeImage on the BGR image OpenCV reads: (v / 255 - mean) / std with ImageNet's mean and std;
 * NCHW).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Tensor } from '../src/ir/tensor.js';
import { rng } from '../src/quant/samples.js';
import { randomText } from './text-lines.js';

const CONVERT = '/usr/bin/convert';
const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONTS = ['DejaVuSans.ttf', 'DejaVuSerif.ttf', 'DejaVuSansMono.ttf', 'DejaVuSans-Bold.ttf'];

/** PaddleOCR's det NormalizeImage, applied to the channels in BGR order as cv2.imread gives them. */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** The drawn page's size before DetResizeForTest; every page resizes to the same input size. */
export interface PageSize {
  height: number;
  width: number;
}

/** A side resized as DetResizeForTest does: to the nearest multiple of 32, at least 32. */
export const multipleOf32 = (side: number): number => Math.max(32, Math.round(side / 32) * 32);

/** ImageMagick arguments that draw one page: lines top to bottom, each at its own size, font and x. */
function pageArgs(next: () => number, { height, width }: PageSize, paperAt?: number): string[] {
  const gray = (v: number) => `rgb(${v},${v},${v})`;
  const drawn = next();
  const paper = paperAt ?? 190 + Math.floor(drawn * 66);
  const args = ['-size', `${width}x${height}`, `xc:${gray(paper)}`];
  for (let y = 4 + Math.floor(next() * 12); ;) {
    const size = 20 + Math.floor(next() * 26);
    if (y + size > height - 4) break;
    const font = FONTS[Math.floor(next() * FONTS.length)]!;
    const ink = Math.floor(next() * 90);
    const x = 4 + Math.floor(next() * width * 0.3);
    const text = randomText(next).replace(/^[@\\]/, ' $&');
    args.push('-font', path.join(FONT_DIR, font), '-pointsize', String(size), '-fill', gray(ink));
    // -annotate places the baseline: the line's top is about one point size above it.
    args.push('-annotate', `+${x}+${y + size}`, text);
    y += Math.round(size * (1.3 + next() * 1.2));
  }
  return args;
}

/**
 * A camera's or scanner's sensor noise on the 8-bit page: each byte moved by Gaussian noise of `sigma`
 * grey levels, rounded and kept in [0, 255], from its own seeded stream (the pages' text does not change
 * with it). Rendered paper is otherwise one exact value over most of the page.
 */
function addNoise(rgb: Uint8Array, sigma: number, next: () => number): void {
  for (let i = 0; i < rgb.length; i++) {
    const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    rgb[i] = Math.min(255, Math.max(0, Math.round(rgb[i]! + sigma * normal)));
  }
}

/**
 * One page as the det model's input [1, 3, H, W] (H, W the size's multiples of 32), with sensor noise
 * of `noise.sigma` grey levels if given.
 */
export function renderPage(
  next: () => number,
  size: PageSize,
  noise?: { sigma: number; next: () => number },
  paperAt?: number,
): Tensor {
  const [h, w] = [multipleOf32(size.height), multipleOf32(size.width)];
  const args = [...pageArgs(next, size, paperAt), '-resize', `${w}x${h}!`, '-depth', '8', 'rgb:-'];
  const rgb = execFileSync(CONVERT, args, { maxBuffer: 1 << 26 });
  if (rgb.length !== h * w * 3) throw new Error(`${CONVERT}: ${rgb.length} bytes for a ${w}x${h} page`);
  if (noise && noise.sigma > 0) addNoise(rgb, noise.sigma, noise.next);
  const plane = h * w;
  const data = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    // Channel c of the BGR image is RGB channel 2 - c.
    for (let i = 0; i < plane; i++) data[c * plane + i] = (rgb[i * 3 + 2 - c]! / 255 - MEAN[c]!) / STD[c]!;
  }
  return Tensor.float32([1, 3, h, w], data);
}

/**
 * `count` seeded pages of one size, with `sigma` grey levels of sensor noise (default none); `spread`
 * puts page i's paper at 190 + round(i * 65 / (count - 1)) instead of a drawn grey (the draw is still
 * made, so the pages' text is the same either way).
 */
export function textPages(count: number, seed: number, size: PageSize, sigma = 0, spread = false): Tensor[] {
  const next = rng(seed);
  const noise = { sigma, next: rng(seed ^ 0x5eed) };
  return Array.from({ length: count }, (_, i) =>
    renderPage(next, size, noise, spread ? 190 + Math.round((i * 65) / Math.max(1, count - 1)) : undefined),
  );
}
