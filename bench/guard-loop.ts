/**
 * Dev loop: pow2 nearest rows (each file's output SQNR and top-1 agreement, and the device row) for
 * mobilenet_v1_bn, MMoE and PaddleOCR cls on floor-rows.ts's held-out samples, per --bias_correction value.
 * `GUARD_CASES=cls,mmoe npx tsx bench/guard-loop.ts false measured`
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseOptions } from '../src/options.js';
import { quantizeModel } from '../src/pipeline/quantize-model.js';
import { floorCases } from './floor-rows.js';
import { ROOT } from './section.js';

const values = process.argv.slice(2);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-guard-'));
try {
  const names = (process.env.GUARD_CASES ?? 'mobilenet_v1_bn,mmoe,cls').split(',');
  for (const c of (await floorCases(dir)).filter((x) => names.includes(x.name)))
    for (const bc of values) {
      const t = Date.now();
      const settings = parseOptions({
        input: path.join(ROOT, c.model),
        output: path.join(dir, `${c.name}-${bc}`),
        bias_mode: process.env.GUARD_MODE ?? 'B16',
        rounding: 'nearest',
        bias_correction: bc,
        ...c.flags,
      });
      const { report } = await quantizeModel(settings);
      const rows = [...report.outputs, { format: 'device', metrics: report.device?.metrics }].flatMap((f) =>
        Object.entries(f.metrics ?? {}).map(
          ([k, m]) =>
            `${f.format} ${k}: ${m.sqnrDb.toFixed(2)} dB` +
            (m.top1Agreement === undefined ? '' : ` top1 ${(100 * m.top1Agreement).toFixed(1)}%`),
        ),
      );
      const b = report.biasCorrection;
      console.log(
        `${c.name} ${bc}: ${rows.join(' | ')} [passes ${b?.passes ?? '-'}, undone ${b?.undone ?? '-'}, ` +
          `${((Date.now() - t) / 1000).toFixed(0)} s]`,
      );
    }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
