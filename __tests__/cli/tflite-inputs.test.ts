/**
 * TFLite inputs as published models come (issue 15, item 4): several subgraphs (WHILE, IF, CALL_ONCE),
 * LOG, SignatureDef keys that differ from tensor names. Each model is built with the project's writer,
 * checked in LiteRT against values computed by hand, then quantized (library, and the CLI for exit
 * codes); the written file
 * runs in LiteRT and stays close to the hand-computed outputs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { parseOptions, quantizeModel } from '../../src/index.js';
import { writeNpzFile } from '../../src/data/npz.js';
import { readTflite } from '../../src/formats/tflite/read.js';
import { BUILTIN_OPERATOR_NAMES } from '../../src/formats/tflite/schema.js';
import { Tensor } from '../../src/ir/tensor.js';
import { loadTflite } from '../../src/runtime/litert.js';
import {
  callOnceModel,
  expected,
  ifModel,
  logModel,
  signatureModel,
  whileModel,
  WIDTH,
} from '../formats/tflite/control-flow-models.js';
import { prng } from '../formats/tflite/helpers.js';

const rand = prng(5);
const INPUTS = Array.from({ length: 8 }, () => Float32Array.from({ length: WIDTH }, () => 2 * rand() - 1));

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'mq-tfl-in-'));
}

/** SQNR in dB of a file's outputs in LiteRT against the hand-computed ones, over INPUTS. */
async function sqnrAgainstHand(bytes: Uint8Array, kind: Parameters<typeof expected>[0]): Promise<number> {
  const runner = await loadTflite(bytes, kind);
  let signal = 0;
  let noise = 0;
  try {
    for (const x of INPUTS) {
      const got = Object.values(await runner.run([x]))[0]!.data as Float32Array;
      expected(kind, x).forEach((e, i) => ((signal += e * e), (noise += (e - got[i]!) ** 2)));
    }
  } finally {
    runner.close();
  }
  return 10 * Math.log10(signal / noise);
}

function opsOf(bytes: Uint8Array): string[][] {
  const m = readTflite(bytes, 'written.tflite');
  return m.subgraphs.map((sg) =>
    sg.operators.map((op) => BUILTIN_OPERATOR_NAMES[m.operatorCodes[op.opcodeIndex]!.builtinCode]!),
  );
}

const CASES = [
  { kind: 'while', build: whileModel, op: 'WHILE', subgraphs: 3 },
  { kind: 'if', build: ifModel, op: 'IF', subgraphs: 3 },
  { kind: 'call_once', build: callOnceModel, op: 'CALL_ONCE', subgraphs: 2 },
  { kind: 'log', build: logModel, op: 'LOG', subgraphs: 1 },
] as const;

describe('TFLite models with control flow and LOG through the library', () => {
  for (const c of CASES) {
    it(`${c.op}: the float model matches hand values; pow2 and affine write files LiteRT runs, extra subgraphs kept float`, async () => {
      const input = c.build();
      // The built model itself: LiteRT computes what the hand computation says.
      expect(await sqnrAgainstHand(input, c.kind)).toBeGreaterThan(100);
      const dir = tmp();
      const file = path.join(dir, `${c.kind}.tflite`);
      fs.writeFileSync(file, input);
      for (const scheme of ['pow2', 'affine']) {
        const out = path.join(dir, scheme);
        const r = await quantizeModel(
          // LiteRT rounds its shifts: pow2 files for it are --rounding nearest (floor files carry the
          // offsets truncating hardware needs, and LiteRT is not that hardware).
          parseOptions({ input: file, output: out, scheme, calib_samples: '20', rounding: 'nearest' }),
        );
        expect(r.report.outputs.map((o) => [o.format, o.runtime])).toEqual([['tflite', 'litert']]);
        const written = new Uint8Array(fs.readFileSync(path.join(out, `${c.kind}_quant.tflite`)));
        const ops = opsOf(written);
        expect(ops).toHaveLength(c.subgraphs);
        expect(ops[0]).toContain(c.op);
        expect(ops[0]).toContain('QUANTIZE'); // the main subgraph is int8 around the float op
        // Extra subgraphs come back as they were: their ops, float.
        expect(ops.slice(1)).toEqual(opsOf(input).slice(1));
        const m = readTflite(written, 'written.tflite');
        const fcInputs = m.subgraphs[0]!.operators.filter(
          (op) => m.operatorCodes[op.opcodeIndex]!.builtinCode === 9,
        ).map((op) => m.subgraphs[0]!.tensors[op.inputs[0]!]!.type);
        expect(fcInputs).toEqual(['INT8', 'INT8']);
        for (const sg of m.subgraphs.slice(1)) expect(sg.tensors.every((t) => t.type !== 'INT8')).toBe(true);
        // int8 with 8-wide layers: well above 20 dB against the exact values (reported ~30-37 dB).
        expect(await sqnrAgainstHand(written, c.kind)).toBeGreaterThan(20);
      }
    }, 120_000);
  }
});

describe('a SignatureDef whose keys differ from the tensor names', () => {
  it('calibrates and evaluates from synthetic data and from .npz named by key or by tensor name; neither is exit 2 naming both', async () => {
    const dir = tmp();
    const file = path.join(dir, 'sig.tflite');
    fs.writeFileSync(file, signatureModel());
    const out = path.join(dir, 'out');
    const run = (calib_data?: string) =>
      quantizeModel(
        parseOptions({ input: file, output: out, scheme: 'affine', calib_data, calib_samples: '8' }),
      );
    // Before: "LiteRT: no data for input 'x'", an internal error, from the float reference.
    const synthetic = await run();
    expect(Object.keys(synthetic.report.outputs[0]!.metrics!)).toEqual(['StatefulPartitionedCall:0']);
    for (const name of ['x', 'serving_default_x:0']) {
      const data = path.join(dir, `by-${name.length}`);
      fs.mkdirSync(data);
      INPUTS.forEach((x, i) =>
        writeNpzFile(path.join(data, `${i}.npz`), { [name]: new Tensor('float32', [1, WIDTH], x) }),
      );
      const r = await run(data);
      expect(r.report.calibration).toMatchObject({ source: 'data' });
      // The written file keeps the signature, and runs fed by its key.
      const runner = await loadTflite(new Uint8Array(fs.readFileSync(path.join(out, 'sig_quant.tflite'))));
      expect(runner.inputs.map((p) => [p.name, p.tensorName])).toEqual([['x', 'serving_default_x:0']]);
      const y = await runner.run({ x: INPUTS[0]! });
      runner.close();
      const want = expected('call_once', INPUTS[0]!);
      const got = y.y!.data as Float32Array;
      want.forEach((v, i) =>
        expect(Math.abs(got[i]! - v)).toBeLessThan(0.05 * Math.max(...want.map(Math.abs))),
      );
    }
    const wrong = path.join(dir, 'wrong');
    fs.mkdirSync(wrong);
    writeNpzFile(path.join(wrong, '0.npz'), { z: new Tensor('float32', [1, WIDTH], INPUTS[0]!) });
    const r = cli(['--input', file, '--output', path.join(dir, 'out2'), '--calib_data', wrong]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /0\.npz: has no array for model input 'serving_default_x:0' \(signature key 'x'\)/,
    );
    expect(fs.existsSync(path.join(dir, 'out2')) && fs.readdirSync(path.join(dir, 'out2'))).toSatisfy(
      (v: unknown) => v === false || (Array.isArray(v) && v.length === 0),
    );
  }, 120_000);
});
