import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../src/formats/onnx/export.js';
import { importOnnx } from '../../src/formats/onnx/import.js';
import { ModelProto } from '../../src/formats/onnx/schema.js';
import { tensorAttr } from '../../src/ir/attrs.js';
import { DTYPES, byteLength, dtypeFromOnnx, onnxCode, type DType } from '../../src/ir/dtype.js';
import { Graph, type Model } from '../../src/ir/graph.js';
import { Tensor, tensorsEqual } from '../../src/ir/tensor.js';

const ALL = Object.keys(DTYPES) as DType[];

/** Five values of `dtype` (three strings), from bit patterns that cover sign bits, NaNs and extremes. */
function sample(dtype: DType): Tensor {
  if (dtype === 'string') return new Tensor('string', [3], ['', 'abc', 'ünïcødé 🙂']);
  if (dtype === 'int64') return Tensor.int64([5], [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 123456789012n]);
  if (dtype === 'uint64')
    return new Tensor('uint64', [5], BigUint64Array.from([0n, 1n, 2n ** 64n - 1n, 2n ** 63n, 7n]));
  if (dtype === 'float32' || dtype === 'complex64' || dtype === 'float64' || dtype === 'complex128') {
    const values = [0, -0, 1.5, -3.25e-20, 6.5e10, Infinity, -Infinity, 1 / 3, -7, 2 ** -140];
    const n = dtype.startsWith('complex') ? 10 : 5;
    const Arr = dtype === 'float32' || dtype === 'complex64' ? Float32Array : Float64Array;
    return new Tensor(dtype, [5], Arr.from(values.slice(0, n)));
  }
  const bytes = Uint8Array.from({ length: byteLength(dtype, 5) }, (_, i) => (i * 97 + 0x7b) & 0xff);
  return Tensor.fromBytes(dtype, [5], bytes);
}

function modelOf(t: Tensor): Model {
  const g = new Graph();
  g.name = 'dtypes';
  g.initializers.set('init', t);
  g.nodes = [
    {
      name: 'c',
      opType: 'Constant',
      domain: '',
      inputs: [],
      outputs: ['k'],
      attrs: { value: tensorAttr(t) },
    },
  ];
  g.outputs = [{ name: 'k', type: { kind: 'tensor', dtype: t.dtype, shape: [...t.dims] } }];
  return {
    format: 'onnx',
    irVersion: 10,
    opsetImports: [{ domain: '', version: 21 }],
    metadata: [],
    graph: g,
  };
}

/** The ONNX typed field for the tensor's values, as onnx.proto assigns it (the alternative to raw_data). */
function typedField(t: Tensor): Record<string, unknown> {
  const d = t.data;
  if (Array.isArray(d)) return { stringData: d.map((s) => Buffer.from(s)) };
  switch (t.dtype) {
    case 'float32':
    case 'complex64':
      return { floatData: Array.from(d as Float32Array) };
    case 'float64':
    case 'complex128':
      return { doubleData: Array.from(d as Float64Array) };
    case 'int64':
      return { int64Data: Array.from(d as BigInt64Array, String) };
    case 'uint32':
    case 'uint64':
      return { uint64Data: Array.from(d as ArrayLike<number | bigint>, String) };
    default:
      // int32_data: one element per entry, 16-bit floats as their bits, sub-byte types one packed byte.
      return { int32Data: Array.from(d as ArrayLike<number>) };
  }
}

describe('every ONNX element type', () => {
  it('has its onnx.proto code, both ways', () => {
    expect(ALL).toHaveLength(26);
    for (const dtype of ALL) expect(dtypeFromOnnx(onnxCode(dtype))).toBe(dtype);
    expect(onnxCode('float32')).toBe(1);
    expect(onnxCode('bfloat16')).toBe(16);
    expect(onnxCode('int4')).toBe(22);
    expect(dtypeFromOnnx(0)).toBeUndefined();
  });

  it.each(ALL)('%s round-trips through ONNX export and import (initializer and Constant)', (dtype) => {
    const t = sample(dtype);
    const bytes = exportOnnx(modelOf(t)).bytes;
    const proto = ModelProto.decode(bytes) as any;
    expect(proto.graph.initializer[0].dataType).toBe(DTYPES[dtype].onnx);
    const back = importOnnx(bytes).graph;
    const init = back.initializers.get('init')!;
    const attr = back.nodes[0]!.attrs.value!;
    expect(init.dtype).toBe(dtype);
    expect(tensorsEqual(init, t)).toBe(true);
    expect(attr.kind === 'tensor' && tensorsEqual(attr.value, t)).toBe(true);
    expect(back.outputs[0]!.type).toEqual({ kind: 'tensor', dtype, shape: [...t.dims] });
  });

  it.each(ALL)('%s read from its typed field equals the same values read from raw_data', (dtype) => {
    const t = sample(dtype);
    const proto = ModelProto.fromObject({
      irVersion: 10,
      graph: { initializer: [{ name: 'w', dims: [...t.dims], dataType: onnxCode(dtype), ...typedField(t) }] },
    });
    const read = importOnnx(ModelProto.encode(proto).finish()).graph.initializers.get('w')!;
    expect(read.dtype).toBe(dtype);
    expect(tensorsEqual(read, t)).toBe(true);
  });
});
