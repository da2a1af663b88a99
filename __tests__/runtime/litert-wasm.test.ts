import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadTflite } from '../../src/runtime/litert.js';
import { getLiteRt, liteRtCode, resetLiteRt, shareLiteRtCode } from '../../src/runtime/litert-wasm.js';

const require = createRequire(import.meta.url);
const SELFIE = new Uint8Array(
  readFileSync(require.resolve('@mediapipe/selfie_segmentation/selfie_segmentation.tflite')),
);

const input = Float32Array.from({ length: 256 * 256 * 3 }, (_, i) => (i % 251) / 250);

async function mask(): Promise<Float32Array> {
  const runner = await loadTflite(SELFIE, 'selfie_segmentation.tflite');
  try {
    return (await runner.run([input])).activation_10!.data as Float32Array;
  } finally {
    runner.close();
  }
}

afterEach(() => vi.restoreAllMocks());

/** The engine's WebAssembly API (the lib settings have no WebAssembly types). */
const webAssembly = (
  globalThis as unknown as { WebAssembly: { compile: (b: Uint8Array) => Promise<object> } }
).WebAssembly;

describe('LiteRT code shared between threads', () => {
  it('instantiates code compiled before instead of compiling; the model runs as in the runtime that compiled it', async () => {
    const expected = await mask();
    const code = await liteRtCode();
    expect(Object.prototype.toString.call(code)).toBe('[object WebAssembly.Module]');
    const compile = vi.spyOn(webAssembly, 'compile');
    resetLiteRt();
    shareLiteRtCode(code!);
    const rt = await getLiteRt();
    expect(compile).not.toHaveBeenCalled();
    expect(rt.code).toBe(code);
    // A new instance (its own memory), not the one before.
    expect(await mask()).toEqual(expected);
  });
});
