import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline.js';
import { loadTflite, type TfliteData } from '../../src/runtime/litert.js';
import { createOrtSession } from '../../src/runtime/ort.js';
import { fileSamples, listSampleFiles } from '../../src/quant/samples.js';

/**
 * Every combination of the flags that change what is written (--scheme x --onnx_format x --io_type x
 * --tflite_layout x --formats) on both examples: the run succeeds, writes exactly the files --formats
 * asks for, ORT runs each .onnx on a real sample, and LiteRT runs each .tflite (int8 inputs for
 * --io_type int8). The first wave's bugs hid behind the one combination its tests always used.
 */
const EXAMPLES = ['mobilenet_v1_bn', 'mmoe'];
const SCHEMES = ['pow2', 'affine'];
const ONNX_FORMATS = ['qdq', 'qoperator'];
const IO_TYPES = ['float', 'int8'];
const LAYOUTS = ['nchw', 'nhwc'];
const FORMATS = ['onnx', 'tflite', 'onnx,tflite'];

const combos = EXAMPLES.flatMap((example) =>
  SCHEMES.flatMap((scheme) =>
    ONNX_FORMATS.flatMap((onnxFormat) =>
      IO_TYPES.flatMap((ioType) =>
        LAYOUTS.flatMap((layout) =>
          FORMATS.map((formats) => ({ example, scheme, onnxFormat, ioType, layout, formats })),
        ),
      ),
    ),
  ),
);

describe.each(EXAMPLES)('every flag combination on %s', (example) => {
  const samples = path.resolve(`examples/${example}/samples`);
  const files = listSampleFiles(samples);
  const model = path.resolve(`examples/${example}.onnx`);
  const inputs = readOnnxFile(model).graph.runtimeInputs();

  it.each(combos.filter((c) => c.example === example))(
    '--scheme $scheme --onnx_format $onnxFormat --io_type $ioType --tflite_layout $layout --formats $formats',
    async ({ scheme, onnxFormat, ioType, layout, formats }) => {
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-matrix-'));
      const options = parseOptions({
        input: model,
        output: out,
        scheme,
        onnx_format: onnxFormat,
        io_type: ioType,
        tflite_layout: layout,
        formats,
        calib_data: samples,
        calib_samples: '2',
        eval_data: files.at(-1),
      });
      const { report } = await quantizeModel(options);
      const wanted = formats.split(',').sort();
      expect(report.outputs.map((o) => o.format).sort()).toEqual(wanted);
      for (const f of report.outputs) {
        expect(fs.existsSync(f.path)).toBe(true);
        if (f.format === 'onnx') await runOnnx(f.path, files[0]!, inputs);
        else await runTflite(f.path);
      }
      fs.rmSync(out, { recursive: true, force: true });
    },
  );
});

async function runOnnx(
  file: string,
  sample: string,
  inputs: ReturnType<typeof readOnnxFile>['graph']['inputs'],
) {
  const session = await createOrtSession(file);
  try {
    for await (const feeds of fileSamples([sample], inputs).samples()) {
      const out = await session.run(feeds);
      for (const name of session.outputNames) {
        const t = out[name]!;
        expect(t.size).toBeGreaterThan(0);
        expect(Array.from(t.toFloat32()).every(Number.isFinite)).toBe(true);
      }
    }
  } finally {
    await session.close();
  }
}

/** Any input the runtime accepts: zeros of each input's own type and shape (int8 with --io_type int8). */
async function runTflite(file: string) {
  const runner = await loadTflite(new Uint8Array(fs.readFileSync(file)), path.basename(file));
  try {
    const feeds = runner.inputs.map((i) =>
      zeros(
        i.dtype,
        i.shape.reduce((a, b) => a * b, 1),
      ),
    );
    const out = await runner.run(feeds);
    expect(Object.keys(out)).toHaveLength(runner.outputs.length);
    for (const o of Object.values(out)) expect(o.data.length).toBeGreaterThan(0);
  } finally {
    runner.close();
  }
}

function zeros(dtype: string, n: number): TfliteData {
  if (dtype === 'float32') return new Float32Array(n);
  if (dtype === 'int8') return new Int8Array(n);
  if (dtype === 'int32') return new Int32Array(n);
  if (dtype === 'int64') return new BigInt64Array(n);
  return new Uint8Array(n);
}
