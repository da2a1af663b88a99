import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Tensor } from '../../src/ir/tensor.js';

const MMOE = path.resolve(import.meta.dirname, '../../examples/mmoe.onnx');

/** A fresh copy of the adapter, so that each test chooses its backend anew. */
async function adapter(env: string | undefined) {
  vi.resetModules();
  if (env === undefined) delete process.env.MODEL_QUANT_ORT;
  else process.env.MODEL_QUANT_ORT = env;
  return import('../../src/runtime/ort.js');
}

async function runMmoe(env: string | undefined) {
  const ort = await adapter(env);
  const session = await ort.createOrtSession(MMOE);
  const dense = Tensor.float32(
    [2, 16],
    Float32Array.from({ length: 32 }, (_, i) => Math.sin(i) * 2),
  );
  const ids = new Tensor(
    'int64',
    [2, 4],
    BigInt64Array.from({ length: 8 }, (_, i) => BigInt(i * 131 + 7)),
  );
  const out = await session.run({ dense, ids });
  await session.close();
  return { backend: await ort.ortBackend(), out };
}

describe('ONNX Runtime backend selection', () => {
  afterEach(() => {
    delete process.env.MODEL_QUANT_ORT;
  });

  it('uses onnxruntime-node where it loads, the WASM build with MODEL_QUANT_ORT=wasm, same results', async () => {
    const native = await runMmoe(undefined);
    const wasm = await runMmoe('wasm');
    expect(native.backend).toBe('node');
    expect(wasm.backend).toBe('wasm');
    expect(Object.keys(wasm.out).sort()).toEqual(['ctr', 'cvr']);
    for (const name of ['ctr', 'cvr']) {
      expect(wasm.out[name]!.dims).toEqual(native.out[name]!.dims);
      const a = native.out[name]!.data as Float32Array;
      const b = wasm.out[name]!.data as Float32Array;
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
    }
  });

  it('MODEL_QUANT_ORT=node insists on the native package', async () => {
    const ort = await adapter('node');
    expect(await ort.ortBackend()).toBe('node');
  });
});
