import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportTflite } from '../../../src/formats/tflite/export.js';
import { importTflite } from '../../../src/formats/tflite/import.js';
import { readTflite } from '../../../src/formats/tflite/read.js';
import { readNpyFile } from '../../../src/data/npy.js';
import { readNpzFile } from '../../../src/data/npz.js';
import { loadTflite, type TfliteData } from '../../../src/runtime/litert.js';

const ops = (bytes: Uint8Array) => {
  const m = readTflite(bytes, 'x.tflite');
  return m.subgraphs[0]!.operators.map((o) => m.operatorCodes[o.opcodeIndex]!.builtinCode);
};

describe('example models as TFLite: .tflite -> IR -> .tflite', () => {
  it.each([
    ['mobilenet_v1_bn', () => [readNpyFile('examples/mobilenet_v1_bn/samples/000.npy')]],
    ['mmoe', () => Object.values(readNpzFile('examples/mmoe/samples/000.npz'))],
  ])('%s: LiteRT outputs equal the original, op list unchanged', async (stem, feeds) => {
    const original = fs.readFileSync(`examples/${stem}.tflite`);
    const rewritten = exportTflite(importTflite(original, `${stem}.tflite`));
    expect(ops(rewritten)).toEqual(ops(original));
    const a = await loadTflite(original);
    const b = await loadTflite(rewritten);
    const inputs = feeds().map((t, i) => {
      const port = a.inputs[i]!;
      return (
        port.dtype === 'int32' ? Int32Array.from(t.data as BigInt64Array, Number) : t.data
      ) as TfliteData;
    });
    const ra = await a.run(inputs);
    const rb = await b.run(inputs);
    expect(Object.keys(rb)).toEqual(Object.keys(ra));
    for (const k of Object.keys(ra))
      expect(Array.from(rb[k]!.data as Float32Array)).toEqual(Array.from(ra[k]!.data as Float32Array));
  });
});
