import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CorpusCase } from './cases.js';
import {
  expectAgreement,
  expectDefaultFiles,
  expectInt16Agreement,
  filesAgree,
  int16Ops,
  quantize,
  runsInLitert,
  type Scheme,
} from './files.js';

const SCHEMES: Scheme[] = ['pow2', 'affine'];

/**
 * Issue 15's acceptance on each case: the default command and --scheme affine exit 0 and write every
 * default file; each file loads and runs in its runtime; the .onnx and .tflite of one run agree. The
 * figures are logged (the README's corpus table comes from them).
 */
export function checkCorpus(title: string, cases: CorpusCase[], timeout = 300_000): void {
  describe(title, () => {
    describe.each(cases)('$name', (c) => {
      it.each(SCHEMES)(
        '%s: exit 0, every default file, each runs, the two files agree',
        async (scheme) => {
          const { input, args, feeds } = await c.prepare();
          const run = quantize(input, args, scheme);
          try {
            expectDefaultFiles(run);
            await runsInLitert(run.files.get('_quant.tflite')!);
            if (!input.endsWith('.onnx')) {
              console.log(`corpus: ${c.name} ${scheme}: exit 0, files ok`);
              return;
            }
            if (scheme === 'affine' && int16Ops(run).length > 0) {
              await expectInt16Agreement(input, run, feeds);
              // The all-int8 files of the same model still compute the same integers in both runtimes.
              const int8 = quantize(input, [...args, '--dense_int16', 'false'], scheme);
              try {
                expectDefaultFiles(int8);
                expect(int16Ops(int8)).toEqual([]);
                expectAgreement(scheme, await filesAgree(int8, feeds));
              } finally {
                fs.rmSync(int8.out, { recursive: true, force: true });
              }
              return;
            }
            const a = await filesAgree(run, feeds);
            console.log(
              `corpus: ${c.name} ${scheme}: within one step ${(100 * a.withinOneStep).toFixed(2)}%, SQNR ${a.sqnrDb.toFixed(1)} dB`,
            );
            expectAgreement(scheme, a, c.pow2Db);
          } finally {
            fs.rmSync(run.out, { recursive: true, force: true });
          }
          expect(run.code).toBe(0);
        },
        timeout,
      );
    });
  });
}
