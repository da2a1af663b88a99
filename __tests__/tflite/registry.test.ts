import { getOp } from '../../src/ops/index.js';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_OPERATOR_NAMES, BuiltinOptionsType } from '../../src/formats/tflite/schema.js';
import { opVersion } from '../../src/formats/tflite/versions.js';
import { SIGMOID_OUT, TANH_OUT } from '../../src/ops/common/quant.js';
import { TFLITE_QUANT_RULES } from '../../src/quant/rules.js';
import { INTEGER_KERNELS } from '../../src/runtime/integer/index.js';
import { FIXED_OUTPUTS, TFLITE_BUILTINS, type TfliteBuiltin } from '../../src/tflite/ops/index.js';
import { isBuiltinHome, PENDING, quotedBuiltins, sources } from './source-scan.js';

const DIR = 'src/tflite/ops';
const files = readdirSync(DIR).filter((f) => f.endsWith('.ts') && f !== 'index.ts');

describe('TFLite builtin registry', () => {
  it('has one file per builtin, exporting that builtin under its own name', async () => {
    const fromFiles: string[] = [];
    for (const file of files) {
      const name = file.replace(/\.ts$/, '');
      const mod = (await import(`../../src/tflite/ops/${name}.ts`)) as Record<string, TfliteBuiltin>;
      expect(Object.keys(mod), file).toEqual([name]);
      expect(mod[name]!.name, file).toBe(name);
      expect(TFLITE_BUILTINS.get(name), `${file} is not registered`).toBe(mod[name]);
      fromFiles.push(name);
    }
    expect([...TFLITE_BUILTINS.keys()].sort()).toEqual(fromFiles.sort());
  });

  it('gives each builtin the code of its name in the schema enum and a union member for its options', () => {
    for (const b of TFLITE_BUILTINS.values()) {
      expect(BUILTIN_OPERATOR_NAMES[b.code], b.name).toBe(b.name);
      if (b.options) expect(BuiltinOptionsType[b.options.name], b.name).toBe(b.options.typeId);
    }
  });

  it('names every builtin quoted in src/ (lowerings, quantizer, spec checks, kernels) in a file of its own', () => {
    const missing = sources()
      .filter((s) => !isBuiltinHome(s.path) && !(s.path in PENDING))
      .flatMap((s) => quotedBuiltins(s.code).map((n) => `${s.path}: ${n}`))
      // A name that is also a registered ONNX op ('LSTM') is that op where it is quoted outside here.
      .filter((hit) => !TFLITE_BUILTINS.has(hit.split(': ')[1]!) && !getOp(hit.split(': ')[1]!));
    expect(missing).toEqual([]);
  });

  it('derives the kernel index and the quantizer rules from the builtin files', () => {
    for (const [name, kernel] of INTEGER_KERNELS) {
      expect(kernel.opType).toBe(name);
      expect(TFLITE_BUILTINS.get(name)?.kernel).toBe(kernel);
    }
    const withKernel = [...TFLITE_BUILTINS.values()].filter((b) => b.kernel).map((b) => b.name);
    expect([...INTEGER_KERNELS.keys()].sort()).toEqual(withKernel.sort());
    const withInt8 = [...TFLITE_BUILTINS.values()].filter((b) => b.int8).map((b) => b.name);
    expect([...TFLITE_QUANT_RULES.keys()].sort()).toEqual(withInt8.sort());
  });

  it('holds the spec fixed output parameters once, as the TFLite int8 spec gives them', () => {
    // TFLite 8-bit quantization specification: LOGISTIC and SOFTMAX outputs scale 1/256, zero point -128;
    // TANH 1/128, 0.
    expect(Object.fromEntries(FIXED_OUTPUTS)).toEqual({
      LOGISTIC: { scale: 0.00390625, zeroPoint: -128 },
      SOFTMAX: { scale: 0.00390625, zeroPoint: -128 },
      TANH: { scale: 0.0078125, zeroPoint: 0 },
    });
    // The ONNX side and the quantizer read the same objects.
    expect(SIGMOID_OUT).toBe(FIXED_OUTPUTS.get('LOGISTIC'));
    expect(TANH_OUT).toBe(FIXED_OUTPUTS.get('TANH'));
    expect(TFLITE_QUANT_RULES.get('TANH')!.output).toBe(FIXED_OUTPUTS.get('TANH'));
    // No other code writes the numbers (in any of their spellings).
    const spellings = /\b1 \/ (256|128)\b|\b0\.00390625\b|\b0\.0078125\b|2 \*\* -[78]\b/;
    const elsewhere = sources()
      .filter((s) => s.path !== `${DIR}/common/int8.ts` && spellings.test(s.code))
      .map((s) => s.path);
    expect(elsewhere).toEqual([]);
  });

  it('computes versions from the builtin files (op_version.cc cases)', () => {
    const t = (type: 'INT8' | 'FLOAT32', shape = [1, 4, 4, 3], scales = 1) => ({ type, shape, scales });
    // CONV_2D int8 x int8 -> int8 is version 3; a grouped conv (input channels 6, filter 3) is 6.
    expect(opVersion('CONV_2D', { inputs: [t('INT8'), t('INT8')], outputs: [t('INT8')], options: {} })).toBe(
      3,
    );
    const grouped = { inputs: [t('INT8', [1, 4, 4, 6]), t('INT8', [2, 3, 3, 3])], outputs: [t('INT8')] };
    expect(opVersion('CONV_2D', { ...grouped, options: {} })).toBe(6);
    // An op the project does not know is version 1, as TFLite's default.
    expect(opVersion('ROUND', { inputs: [t('FLOAT32')], outputs: [t('FLOAT32')], options: {} })).toBe(1);
  });
});
