import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { parsePreprocess, readImageSample } from '../../src/data/image.js';
import { fileSamples, listSampleFiles } from '../../src/quant/samples.js';

function writePng(
  file: string,
  w: number,
  h: number,
  pixel: (x: number, y: number) => [number, number, number],
) {
  const png = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const [r, g, b] = pixel(x, y);
      png.data.set([r, g, b, 255], (y * w + x) * 4);
    }
  fs.writeFileSync(file, PNG.sync.write(png));
}

describe('image calibration samples', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-img-'));

  it('normalizes (pixel/255 - mean) / std per channel, NCHW, RGB order', () => {
    const file = path.join(dir, 'a.png');
    writePng(file, 2, 1, (x) => (x === 0 ? [255, 0, 51] : [0, 255, 102]));
    const t = readImageSample(file, parsePreprocess('mean=0.5,0.5,0.5;std=0.5,0.25,1'), [1, 3, 1, 2]);
    expect(t.dims).toEqual([1, 3, 1, 2]);
    // R: (1 - .5)/.5 = 1, (0 - .5)/.5 = -1; G: (0-.5)/.25 = -2, (1-.5)/.25 = 2; B: 0.2-0.5 = -0.3, 0.4-0.5 = -0.1
    const v = Array.from(t.data as Float32Array);
    expect(v[0]).toBeCloseTo(1, 6);
    expect(v[1]).toBeCloseTo(-1, 6);
    expect(v[2]).toBeCloseTo(-2, 6);
    expect(v[3]).toBeCloseTo(2, 6);
    expect(v[4]).toBeCloseTo(-0.3, 6);
    expect(v[5]).toBeCloseTo(-0.1, 6);
  });

  it('resizes bilinearly to the model input size; NHWC and BGR on request', () => {
    const file = path.join(dir, 'b.png');
    // a 4x4 image whose red channel is 0 on the left half and 255 on the right
    writePng(file, 4, 4, (x) => [x < 2 ? 0 : 255, 10, 20]);
    const t = readImageSample(file, parsePreprocess('resize=2x2;order=bgr;layout=nhwc'), undefined);
    expect(t.dims).toEqual([1, 2, 2, 3]);
    const v = Array.from(t.data as Float32Array);
    // pixel (0,0): B, G, R = 20/255, 10/255, 0 ; pixel (0,1): red is 1 (sampled at source x = 2.5 -> between 255 and 255)
    expect(v.slice(0, 3).map((x) => +x.toFixed(5))).toEqual([
      +(20 / 255).toFixed(5),
      +(10 / 255).toFixed(5),
      0,
    ]);
    expect(v[5]).toBeCloseTo(1, 6);
  });

  it('reads .jpg too, and a folder of images is a sample source for a single-input model', async () => {
    const raw = { width: 8, height: 8, data: Buffer.alloc(8 * 8 * 4, 128) };
    fs.writeFileSync(path.join(dir, 'c.jpg'), jpeg.encode(raw, 95).data);
    const files = listSampleFiles(dir);
    expect(files.map((f) => path.basename(f))).toEqual(['a.png', 'b.png', 'c.jpg']);
    const src = fileSamples(files.slice(2), [
      { name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [1, 3, 4, 4] } },
    ]);
    const got = [];
    for await (const s of src.samples()) got.push(s.x!);
    expect(got[0]!.dims).toEqual([1, 3, 4, 4]);
    expect(Math.abs((got[0]!.data as Float32Array)[0]! - 128 / 255)).toBeLessThan(0.02);
  });

  it('refuses a malformed --preprocess with the valid forms', () => {
    expect(() => parsePreprocess('resize=abc')).toThrow(
      /--preprocess: 'resize=abc' is not valid; use resize=HxW/,
    );
    expect(() => parsePreprocess('std=1,0,1')).toThrow(/std=a,b,c/);
  });
});
