/**
 * Seeded damage to .tflite files for the fuzz tests. Byte-level: bit rot, truncation, overwritten or
 * shifted spans, wild offsets (three in four aimed at the flatbuffer's tables rather than weight bytes).
 * Model-level: a file that is well-formed flatbuffer but wrong where LiteRT does not look (a tensor's
 * shape, an operator's operand, a type, a subgraph reference), written back with the project's writer.
 */
import type { TfliteModel } from '../../../src/formats/tflite/model.js';
import { readTflite } from '../../../src/formats/tflite/read.js';
import { writeTflite } from '../../../src/formats/tflite/write.js';
import { TENSOR_TYPE_NAMES } from '../../../src/formats/tflite/schema.js';
import { prng } from './helpers.js';

export type Mutator = (b: Uint8Array) => Uint8Array;

/** Byte positions outside constant data: the tables, vtables, vectors and strings a reader must trust. */
function structureOf(original: Uint8Array): number[] {
  const isData = new Uint8Array(original.length);
  for (const b of readTflite(original, 'original.tflite').buffers) {
    if (b.data) isData.fill(1, b.data.byteOffset, b.data.byteOffset + b.data.length);
  }
  return [...isData.keys()].filter((i) => !isData[i]);
}

export function byteMutations(original: Uint8Array, seed: number): Mutator[] {
  const structure = structureOf(original);
  const rand = prng(seed);
  const below = (n: number): number => Math.floor(rand() * n);
  const position = (): number =>
    rand() < 0.75 ? structure[below(structure.length)]! : below(original.length);
  return [
    (b) => {
      const out = b.slice();
      for (let k = 1 + below(8); k > 0; k--) out[position()]! ^= 1 << below(8);
      return out;
    },
    (b) => b.slice(0, below(b.length)),
    (b) => {
      const out = b.slice();
      const start = position();
      for (let i = start; i < Math.min(out.length, start + 1 + below(64)); i++) out[i] = below(256);
      return out;
    },
    (b) => {
      const out = b.slice();
      const len = 1 + below(256);
      out.copyWithin(Math.min(position(), b.length - len), below(b.length - len));
      return out;
    },
    (b) => {
      const out = b.slice();
      const word = [0, 0xffffffff, 0x7fffffff, 0x80000000, 4, below(b.length)][below(6)]!;
      new DataView(out.buffer).setUint32(position() & ~3, word, true);
      return out;
    },
  ];
}

/** Changes that keep the flatbuffer valid: each mutator rewrites one field of the decoded model. */
export function modelMutations(original: Uint8Array, seed: number): Mutator[] {
  const rand = prng(seed);
  const below = (n: number): number => Math.floor(rand() * n);
  const edit =
    (change: (m: TfliteModel) => void): Mutator =>
    (b) => {
      const m = readTflite(b, 'original.tflite');
      change(m);
      return writeTflite(m);
    };
  const tensorOf = (m: TfliteModel) => {
    const sg = m.subgraphs[0]!;
    return sg.tensors[below(sg.tensors.length)]!;
  };
  const opOf = (m: TfliteModel) => {
    const sg = m.subgraphs[0]!;
    return sg.operators[below(sg.operators.length)]!;
  };
  const SMALL = [0, 1, 2, 3, 7, 64, 1000, 1 << 20];
  return [
    edit((m) => {
      const t = tensorOf(m);
      if (t.shape.length) t.shape[below(t.shape.length)] = SMALL[below(SMALL.length)]!;
      t.shapeSignature = undefined;
    }),
    edit((m) => {
      const t = tensorOf(m);
      t.shape = t.shape.slice(0, below(t.shape.length + 1));
      t.shapeSignature = undefined;
    }),
    edit((m) => {
      const op = opOf(m);
      const n = m.subgraphs[0]!.tensors.length;
      if (op.inputs.length) op.inputs[below(op.inputs.length)] = below(n);
    }),
    edit((m) => {
      const op = opOf(m);
      op.inputs = op.inputs.slice(0, below(op.inputs.length));
    }),
    edit((m) => {
      tensorOf(m).type = TENSOR_TYPE_NAMES[below(11)]!;
    }),
    edit((m) => {
      opOf(m).opcodeIndex = below(m.operatorCodes.length);
    }),
  ];
}
