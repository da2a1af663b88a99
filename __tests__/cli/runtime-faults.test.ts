import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.js';
import { writeOnnxFile } from '../../src/formats/onnx/export.js';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import { buildTfOrigin } from '../../scripts/examples/tf-origin.js';

describe('a runtime refusing the graph built from the input', () => {
  it('is a ModelFormatError naming the input file and ONNX Runtime, and nothing is written', async () => {
    // A damaged op type (found by the pipeline fuzz): the importer keeps an op it does not know, in
    // float; ONNX Runtime refuses it when calibration runs the graph built from the file.
    const model = buildTfOrigin(8);
    model.graph.nodes.find((n) => n.name === 'rescale')!.opType = 'MuL';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-faults-'));
    const input = path.join(dir, 'damaged_op.onnx');
    writeOnnxFile(model, input);
    const output = path.join(dir, 'out');
    const error = await quantizeModel(
      parseOptions({ input, output, input_shape: '1x8x8x3', calib_samples: '1' }),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as ModelFormatError).file).toBe(input);
    expect((error as Error).message).toMatch(/ONNX Runtime .*MuL/);
    expect(fs.existsSync(output) ? fs.readdirSync(output) : []).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
