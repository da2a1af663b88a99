/**
 * The README's supported-ops tables, generated from the two registries (`npm run ops-table` rewrites the
 * README between its markers; a test fails when the README's copy differs from what this prints).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import prettier from 'prettier';
import { allOps } from '../src/ops/index.js';
import { TFLITE_BUILTINS } from '../src/tflite/ops/index.js';

export const BEGIN = '<!-- ops-table: generated from src/ops and src/tflite/ops by `npm run ops-table` -->';
export const END = '<!-- /ops-table -->';

const yes = (b: unknown) => (b ? 'yes' : '–');

export function opsTableMarkdown(): string {
  const onnx = allOps()
    .filter((op) => !op.domain)
    .sort((a, b) => a.opType.localeCompare(b.opType));
  const lines = [
    BEGIN,
    '',
    `**ONNX operators** (${onnx.length}): folded when its inputs are constant (optimizer); int8 rule (pow2 and`,
    'affine; without one the op stays float between DequantizeLinear/QuantizeLinear); lowered to TFLite.',
    '',
    '| op | folded | int8 | TFLite |',
    '|---|---|---|---|',
    ...onnx.map((op) => `| ${op.opType} | ${yes(op.evaluate)} | ${yes(op.quant)} | ${yes(op.tflite)} |`),
  ];
  const builtins = [...TFLITE_BUILTINS.values()].sort((a, b) => a.name.localeCompare(b.name));
  lines.push(
    '',
    `**TFLite builtins** (${builtins.length}): read and written; int8 rule (quantized in a .tflite input,`,
    "int8 in a converted one); run by the integer executor (the pow2 device's arithmetic).",
    '',
    '| builtin | int8 | integer executor |',
    '|---|---|---|',
    ...builtins.map((b) => `| ${b.name} | ${yes(b.int8)} | ${yes(b.kernel)} |`),
    '',
    END,
  );
  return lines.join('\n');
}

/** The tables as the README holds them: formatted by prettier with the project's settings. */
export async function formattedOpsTable(): Promise<string> {
  const options = (await prettier.resolveConfig('README.md')) ?? {};
  return (await prettier.format(opsTableMarkdown(), { ...options, parser: 'markdown' })).trimEnd();
}

/** The README with its table section replaced by `table`. */
export function withTable(readme: string, table: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} ... ${END} section`);
  return readme.slice(0, a) + table + readme.slice(b + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
  fs.writeFileSync(file, withTable(fs.readFileSync(file, 'utf8'), await formattedOpsTable()));
}
