import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareOutputs, ortCandidate, ortReference } from '../../src/eval/evaluate.js';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { SampleSource } from '../../src/quant/calibrate.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { GraphBuilder } from '../helpers/graphs.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-evaluate-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Scores [N=2, T=5, classes=3] from per-position classes (one-hot, `hot` at the class). */
const scores = (classes: number[], hot = 1) =>
  classes.flatMap((c) => [0, 1, 2].map((k) => (k === c ? hot : 0)));

/** x [2, 5, 3] + c: a recognizer's scores moved by a constant. */
function plus(c: number[]) {
  const b = new GraphBuilder();
  const x = b.input('x', [2, 5, 3]);
  b.output(b.node('Add', [x, b.init('c', Tensor.float32([2, 5, 3], c))]));
  return b.model();
}

describe('compareOutputs on a sequence output, both models in ONNX Runtime', () => {
  it('scores [N, T, classes] per position and by the greedy CTC decoding of each of its N sequences', async () => {
    // The candidate adds 10 at position 1 class 0 (blank), position 2 class 2, position 4 class 1, in
    // both sequences; position 0 and 3 keep their class.
    const shift = scores([-1, 0, 2, -1, 1, -1, 0, 2, -1, 1], 10);
    const file = path.join(dir, 'shifted.onnx');
    writeOnnxFile(plus(shift), file);
    // Float: 1 1 0 2 2 -> "1 2" and 2 2 0 2 0 -> "2 2". Candidate: 1 0 2 2 1 -> "1 2 1" and
    // 2 0 2 2 1 -> "2 2 1": one insertion each, 2 edits over 4 float characters; 4 of 10 positions agree.
    const x = Tensor.float32([2, 5, 3], scores([1, 1, 0, 2, 2, 2, 2, 0, 2, 0]));
    const source: SampleSource = {
      count: 1,
      kind: 'data',
      async *samples() {
        yield { x };
      },
    };
    const reference = await ortReference(plus(new Array<number>(30).fill(0)));
    const candidate = ortCandidate(await createOrtSession(file));
    try {
      const c = await compareOutputs(reference, { candidate }, source);
      const m = Object.values(c.metrics.candidate!)[0]!;
      expect(m.top1Agreement).toBeCloseTo(4 / 10, 12);
      expect(m.characterAgreement).toBeCloseTo(1 - 2 / 4, 12);
    } finally {
      await reference.close();
      await candidate.close();
    }
  });
});
