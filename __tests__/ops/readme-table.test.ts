import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, formattedOpsTable } from '../../scripts/ops-table.js';
import { getOp } from '../../src/ops/index.js';
import { TFLITE_BUILTINS } from '../../src/tflite/ops/index.js';

describe("the README's supported-ops tables", () => {
  const readme = fs.readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf(BEGIN), readme.indexOf(END) + END.length);

  it('are the registries as they are now (npm run ops-table regenerates them)', async () => {
    expect(section).toBe(await formattedOpsTable());
  });

  it('say what the registries say of a few ops whose parts are known', () => {
    // Conv: folded (reference evaluation), int8 rule, TFLite lowering; CONV_2D: int8 rule and a kernel.
    expect(getOp('Conv')?.quant).toBeDefined();
    expect(section).toMatch(
      new RegExp(`\\| Conv +\\| ${getOp('Conv')?.evaluate ? 'yes' : '–'} +\\| yes +\\| yes +\\|`),
    );
    expect(TFLITE_BUILTINS.get('CONV_2D')?.kernel).toBeDefined();
    expect(section).toMatch(/\| CONV_2D +\| yes +\| yes +\|/);
    // CUSTOM is read and written but never int8 and has no kernel.
    expect(section).toMatch(/\| CUSTOM +\| – +\| – +\|/);
  });
});
