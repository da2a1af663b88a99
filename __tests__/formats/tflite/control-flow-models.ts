/**
 * Small multi-subgraph models built with the project's TFLite writer: WHILE, IF and CALL_ONCE around a
 * FULLY_CONNECTED front and back, so the main subgraph has something to quantize. Weights are seeded; the
 * expected outputs are computed here by hand (plain loops), independently of any runtime.
 */
import type { TfliteModel, TfliteOperator, TfliteTensor } from '../../../src/formats/tflite/model.js';
import { BuiltinOperator, BuiltinOptionsType } from '../../../src/formats/tflite/schema.js';
import { writeTflite } from '../../../src/formats/tflite/write.js';
import { prng } from './helpers.js';

export const WIDTH = 8;
export const OUT = 4;
const rand = prng(77);
const W1 = Float32Array.from({ length: WIDTH * WIDTH }, () => rand() - 0.5);
const B1 = Float32Array.from({ length: WIDTH }, () => (rand() - 0.5) / 4);
const W2 = Float32Array.from({ length: OUT * WIDTH }, () => rand() - 0.5);
const B2 = Float32Array.from({ length: OUT }, () => (rand() - 0.5) / 4);

type Kind = 'while' | 'if' | 'call_once' | 'log';
const OPS = ['FULLY_CONNECTED', 'WHILE', 'IF', 'CALL_ONCE', 'LESS', 'ADD', 'MUL', 'LOGISTIC', 'LOG'] as const;
const code = (name: (typeof OPS)[number]): number => OPS.indexOf(name);

const bytes = (a: Float32Array | Int32Array | Uint8Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function tensor(name: string, shape: number[], type: TfliteTensor['type'], buffer = 0): TfliteTensor {
  return { name, shape, type, buffer, isVariable: false, hasRank: true };
}

function op(
  name: (typeof OPS)[number],
  inputs: number[],
  outputs: number[],
  options?: [string, Record<string, number>],
): TfliteOperator {
  return {
    opcodeIndex: code(name),
    inputs,
    outputs,
    builtinOptionsType: options ? BuiltinOptionsType[options[0]]! : 0,
    builtinOptions: options?.[1] ?? {},
  };
}

/** Buffers: 0 empty, 1 W1, 2 B1, 3 W2, 4 B2, then per-model constants from 5. */
function model(kind: Kind, subgraphs: TfliteModel['subgraphs'], extra: Uint8Array[]): TfliteModel {
  return {
    version: 3,
    description: `control flow: ${kind}`,
    operatorCodes: OPS.map((name) => ({
      builtinCode: BuiltinOperator[name]!,
      deprecatedBuiltinCode: BuiltinOperator[name]!,
      version: 1,
    })),
    subgraphs,
    buffers: [{}, ...[W1, B1, W2, B2].map((a) => ({ data: bytes(a) })), ...extra.map((data) => ({ data }))],
    metadata: [],
    signatureDefs: [],
  };
}

/** Main subgraph: y = FC2(F(FC1(x))), F the control-flow part given as ops on tensors 3 (in) → 4 (out). */
function main(middle: TfliteOperator[], more: TfliteTensor[]): TfliteModel['subgraphs'][number] {
  return {
    name: 'main',
    tensors: [
      tensor('x', [1, WIDTH], 'FLOAT32'),
      tensor('w1', [WIDTH, WIDTH], 'FLOAT32', 1),
      tensor('b1', [WIDTH], 'FLOAT32', 2),
      tensor('h', [1, WIDTH], 'FLOAT32'),
      tensor('g', [1, WIDTH], 'FLOAT32'),
      tensor('w2', [OUT, WIDTH], 'FLOAT32', 3),
      tensor('b2', [OUT], 'FLOAT32', 4),
      tensor('y', [1, OUT], 'FLOAT32'),
      ...more,
    ],
    inputs: [0],
    outputs: [7],
    operators: [
      op('FULLY_CONNECTED', [0, 1, 2], [3], ['FullyConnectedOptions', {}]),
      ...middle,
      op('FULLY_CONNECTED', [4, 5, 6], [7], ['FullyConnectedOptions', {}]),
    ],
  };
}

const int32 = (v: number) => bytes(Int32Array.of(v));

/** WHILE (i < 3) { i += 1; v = v + v }: g = 8 h. Loop counter a constant int32 [1] in the main graph. */
export function whileModel(): Uint8Array {
  const loop = op(
    'WHILE',
    [8, 3],
    [9, 4],
    ['WhileOptions', { cond_subgraph_index: 1, body_subgraph_index: 2 }],
  );
  const cond = {
    name: 'cond',
    tensors: [
      tensor('i', [1], 'INT32'),
      tensor('v', [1, WIDTH], 'FLOAT32'),
      tensor('limit', [1], 'INT32', 6),
      tensor('c', [1], 'BOOL'),
    ],
    inputs: [0, 1],
    outputs: [3],
    operators: [op('LESS', [0, 2], [3])],
  };
  const body = {
    name: 'body',
    tensors: [
      tensor('i', [1], 'INT32'),
      tensor('v', [1, WIDTH], 'FLOAT32'),
      tensor('one', [1], 'INT32', 7),
      tensor('i_next', [1], 'INT32'),
      tensor('v_next', [1, WIDTH], 'FLOAT32'),
    ],
    inputs: [0, 1],
    outputs: [3, 4],
    operators: [
      op('ADD', [0, 2], [3], ['AddOptions', { fused_activation_function: 0 }]),
      op('ADD', [1, 1], [4], ['AddOptions', { fused_activation_function: 0 }]),
    ],
  };
  const counter = [tensor('i0', [1], 'INT32', 5), tensor('i_end', [1], 'INT32')];
  return writeTflite(model('while', [main([loop], counter), cond, body], [int32(0), int32(3), int32(1)]));
}

/** IF (flag, a constant true) then v * v else v + v: g = h * h. */
export function ifModel(): Uint8Array {
  const branch = (name: string, opName: 'MUL' | 'ADD', options: string) => ({
    name,
    tensors: [tensor('v', [1, WIDTH], 'FLOAT32'), tensor('r', [1, WIDTH], 'FLOAT32')],
    inputs: [0],
    outputs: [1],
    operators: [op(opName, [0, 0], [1], [options, { fused_activation_function: 0 }])],
  });
  const choose = op('IF', [8, 3], [4], ['IfOptions', { then_subgraph_index: 1, else_subgraph_index: 2 }]);
  const flag = [tensor('flag', [1], 'BOOL', 5)];
  return writeTflite(
    model(
      'if',
      [main([choose], flag), branch('then', 'MUL', 'MulOptions'), branch('else', 'ADD', 'AddOptions')],
      [Uint8Array.of(1)],
    ),
  );
}

/** CALL_ONCE of an init subgraph (no tensors, as an initializer with nothing to set up), then g = h + h. */
export function callOnceModel(): Uint8Array {
  const init = op('CALL_ONCE', [], [], ['CallOnceOptions', { init_subgraph_index: 1 }]);
  const double = op('ADD', [3, 3], [4], ['AddOptions', { fused_activation_function: 0 }]);
  const empty = { name: 'init', tensors: [], inputs: [], outputs: [], operators: [] };
  return writeTflite(model('call_once', [main([init, double], []), empty], []));
}

/** LOG of a LOGISTIC (so its input is positive): g = log(sigmoid(h)). */
export function logModel(): Uint8Array {
  const sigmoid = op('LOGISTIC', [3], [8]);
  const log = op('LOG', [8], [4]);
  return writeTflite(model('log', [main([sigmoid, log], [tensor('s', [1, WIDTH], 'FLOAT32')])], []));
}

/**
 * No control flow: y = FC2(2 FC1(x)) as TensorFlow exports it, tensors named 'serving_default_x:0' and
 * 'StatefulPartitionedCall:0', the SignatureDef keys 'x' and 'y'.
 */
export function signatureModel(): Uint8Array {
  const double = op('ADD', [3, 3], [4], ['AddOptions', { fused_activation_function: 0 }]);
  const m = model('call_once', [main([double], [])], []);
  const sg = m.subgraphs[0]!;
  sg.tensors[0]!.name = 'serving_default_x:0';
  sg.tensors[7]!.name = 'StatefulPartitionedCall:0';
  m.signatureDefs = [
    {
      signatureKey: 'serving_default',
      subgraphIndex: 0,
      inputs: [{ name: 'x', tensorIndex: 0 }],
      outputs: [{ name: 'y', tensorIndex: 7 }],
    },
  ];
  return writeTflite(m);
}

/** The float outputs by hand: FC1, the middle step (`kind`), FC2. */
export function expected(kind: Kind, x: Float32Array): Float32Array {
  const fc = (v: Float32Array, w: Float32Array, b: Float32Array, n: number) =>
    Float32Array.from({ length: n }, (_, o) => v.reduce((s, vi, i) => s + vi * w[o * v.length + i]!, b[o]!));
  const h = fc(x, W1, B1, WIDTH);
  const step = {
    while: (v: number) => 8 * v,
    if: (v: number) => v * v,
    call_once: (v: number) => 2 * v,
    log: (v: number) => Math.log(1 / (1 + Math.exp(-v))),
  }[kind];
  const g = h.map(step);
  return fc(g, W2, B2, OUT);
}
