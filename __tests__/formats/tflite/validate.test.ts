/**
 * What the reader refuses before LiteRT sees a file (issue 15, item 6): subgraph references of control
 * flow, constants whose bytes disagree with their shape, declared output shapes the operator does not
 * compute. Each is a ModelFormatError naming the file and the place; the valid originals load and run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors.js';
import type { TfliteModel } from '../../../src/formats/tflite/model.js';
import { readTflite } from '../../../src/formats/tflite/read.js';
import { BuiltinOperator } from '../../../src/formats/tflite/schema.js';
import { writeTflite } from '../../../src/formats/tflite/write.js';
import { cli } from '../../helpers/cli.js';
import { ifModel, whileModel } from './control-flow-models.js';
import { runTflite, selfieBytes } from './helpers.js';

function edited(bytes: Uint8Array, change: (m: TfliteModel) => void): Uint8Array {
  const m = readTflite(bytes, 'original.tflite');
  change(m);
  return writeTflite(m);
}

function refusal(bytes: Uint8Array): string {
  try {
    readTflite(bytes, 'bad.tflite');
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    return (e as Error).message;
  }
  throw new Error('the file was accepted');
}

const opOf = (m: TfliteModel, name: string) =>
  m.subgraphs[0]!.operators.find(
    (op) => m.operatorCodes[op.opcodeIndex]!.builtinCode === BuiltinOperator[name],
  )!;

describe('control-flow references', () => {
  it('the valid WHILE and IF models run in LiteRT', async () => {
    for (const bytes of [whileModel(), ifModel()])
      expect(Object.keys(await runTflite(bytes, [new Float32Array(8)]))).toEqual(['y']);
  });

  it('refuses a subgraph index out of range, a call of the main subgraph, and a recursive body', () => {
    const out = edited(whileModel(), (m) => (opOf(m, 'WHILE').builtinOptions.body_subgraph_index = 7));
    expect(refusal(out)).toMatch(
      /^bad\.tflite: subgraphs\[0\]\.operators\[1\] \(WHILE\): body_subgraph_index 7 names no subgraph \(1\.\.2\)/,
    );
    const main = edited(whileModel(), (m) => (opOf(m, 'WHILE').builtinOptions.cond_subgraph_index = 0));
    expect(refusal(main)).toMatch(/cond_subgraph_index 0 names no subgraph/);
    // The body calls WHILE on itself: LiteRT would recurse until its stack overflows.
    const recursive = edited(whileModel(), (m) => {
      const body = m.subgraphs[2]!;
      body.operators.push({ ...opOf(m, 'WHILE'), inputs: [0, 1], outputs: [3, 4] });
      body.operators.splice(0, 2, ...body.operators.splice(2)); // only the call produces the outputs
    });
    expect(refusal(recursive)).toMatch(/subgraph 2 calls itself/);
  });

  it('refuses a call whose operand count differs from the callee', () => {
    const bytes = edited(ifModel(), (m) => m.subgraphs[2]!.outputs.push(0));
    expect(refusal(bytes)).toMatch(
      /\(IF\): else_subgraph_index names subgraph 'else' with 1 inputs and 2 outputs, expected 1 and 1/,
    );
  });
});

describe('tensors', () => {
  it('refuses a constant whose bytes do not fill its shape', () => {
    const bytes = edited(whileModel(), (m) => (m.subgraphs[0]!.tensors[1]!.shape = [8, 9]));
    expect(refusal(bytes)).toMatch(/tensors\[1\] 'w1': FLOAT32\[8,9\] needs 288 bytes, its buffer has 256/);
  });

  it('refuses an intermediate declared with another shape than its operator computes (a WASM trap in calibration before)', () => {
    const bytes = edited(selfieBytes(), (m) => {
      const sg = m.subgraphs[0]!;
      const conv = sg.operators.find(
        (op) => m.operatorCodes[op.opcodeIndex]!.builtinCode === BuiltinOperator.CONV_2D,
      )!;
      sg.tensors[conv.outputs[0]!]!.shape = [1, 2, 2, 1];
    });
    expect(refusal(bytes)).toMatch(
      /\(CONV_2D\): output 'conv2d' is declared \[1,2,2,1\] but the operator computes \[1,128,128,16\]/,
    );
  });
});

describe('a model LiteRT refuses, through the CLI', () => {
  it('is exit 2 naming the file and LiteRT, nothing written', () => {
    // A custom op LiteRT has no kernel for: the reader accepts it, LiteRT refuses to prepare it.
    const bytes = edited(selfieBytes(), (m) => {
      const custom = m.operatorCodes.find((c) => c.customCode !== undefined)!;
      custom.customCode = 'NoSuchOp';
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-litert-refuses-'));
    const file = path.join(dir, 'unknown-op.tflite');
    fs.writeFileSync(file, bytes);
    const out = path.join(dir, 'out');
    const r = cli(['--input', file, '--output', out, '--calib_samples', '2']);
    expect(r.code).toBe(2);
    // Whichever LiteRT refuses first (calibration's copy of the input, or the written file) is named:
    // when it loads, or when its first run prepares the graph and the op has no kernel.
    const named = /^model-quant: error: (\S+): LiteRT (cannot load|refuses) the model: .*NoSuchOp/m.exec(
      r.stderr,
    );
    expect(named?.[1]).toBeOneOf([file, path.join(out, 'unknown-op_quant.tflite')]);
    expect(r.stderr).not.toMatch(/wasm-function|internal error/);
    expect(fs.existsSync(out) ? fs.readdirSync(out) : []).toEqual([]);
  }, 120_000);
});
