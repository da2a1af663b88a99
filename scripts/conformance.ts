/**
 * ONNX backend test suite (Debian package libonnx-testdata) as the conformance suite of the ONNX
 * importer and exporter: every node case is imported, exported, and the exported model is run in ONNX
 * Runtime against the case's expected outputs. Cases ORT cannot run or pass as shipped are excluded,
 * so a failure here is always ours.
 *
 * Usage: npm run conformance [-- <substring filter>]
 */
import fs from 'node:fs';
import path from 'node:path';
import { importOnnx, tensorFromProto } from '../src/formats/onnx/import.js';
import { exportOnnx } from '../src/formats/onnx/export.js';
import { TensorProto } from '../src/formats/onnx/schema.js';
import type { Model, ValueInfo } from '../src/ir/graph.js';
import type { Tensor } from '../src/ir/tensor.js';
import { float16ToFloat32 } from '../src/ir/float16.js';
import { createOrtSession } from '../src/runtime/ort.js';

const NODE_CASES = '/usr/share/libonnx-testdata/data/node';

// The tolerances of onnx/backend/test/runner: numpy.testing.assert_allclose(rtol=1e-3, atol=1e-7).
const RTOL = 1e-3;
const ATOL = 1e-7;

type Outcome =
  | { kind: 'pass' }
  | { kind: 'fail'; reason: string }
  | {
      kind: 'excluded';
      why: 'inputs not tensors' | 'ORT cannot run the original' | 'ORT fails the original';
      reason: string;
    };

interface CaseData {
  inputs: Tensor[];
  inputNames: (string | undefined)[];
  outputs: Tensor[];
}

class NotTensors extends Error {}

function readPb(file: string): { name?: string; tensor: Tensor } {
  const bytes = fs.readFileSync(file);
  let proto: Record<string, any>;
  try {
    proto = TensorProto.decode(bytes) as Record<string, any>;
  } catch (e) {
    throw new NotTensors(`${path.basename(file)}: ${(e as Error).message}`);
  }
  return {
    name: proto.name || undefined,
    tensor: tensorFromProto(proto, { file, baseDir: path.dirname(file) }),
  };
}

function isNonTensor(v: ValueInfo): boolean {
  return v.type?.kind === 'opaque' && !(v.type.proto as Record<string, unknown>).tensorType;
}

function readCase(dir: string, model: Model): CaseData {
  const io = [...model.graph.runtimeInputs(), ...model.graph.outputs];
  const odd = io.find(isNonTensor);
  if (odd) throw new NotTensors(`'${odd.name}' is a sequence, map or optional`);
  const set = path.join(dir, 'test_data_set_0');
  const files = fs.readdirSync(set);
  const list = (prefix: string) =>
    files
      .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
      .sort((a, b) => parseInt(a.slice(prefix.length), 10) - parseInt(b.slice(prefix.length), 10))
      .map((f) => readPb(path.join(set, f)));
  const inputs = list('input_');
  return {
    inputs: inputs.map((i) => i.tensor),
    inputNames: inputs.map((i) => i.name),
    outputs: list('output_').map((o) => o.tensor),
  };
}

/** Compares one actual tensor with the expected one; a reason when they differ. */
function compareTensors(actual: Tensor, expected: Tensor): string | undefined {
  if (actual.dtype !== expected.dtype) return `type ${actual.dtype}, expected ${expected.dtype}`;
  if (actual.dims.join(',') !== expected.dims.join(','))
    return `shape [${actual.dims}], expected [${expected.dims}]`;
  const a = values(actual);
  const e = values(expected);
  for (let i = 0; i < e.length; i++) {
    if (!close(a[i], e[i], actual.dtype)) return `element ${i}: ${String(a[i])}, expected ${String(e[i])}`;
  }
  return undefined;
}

function values(t: Tensor): ArrayLike<number | bigint | string> {
  if (t.dtype === 'float16') return Array.from(t.data as Uint16Array, float16ToFloat32);
  if (t.dtype === 'bfloat16') return t.toFloat32();
  return t.data;
}

function close(a: unknown, e: unknown, dtype: string): boolean {
  if (typeof a !== 'number' || typeof e !== 'number' || !/^(float|bfloat|complex)/.test(dtype))
    return a === e;
  if (Number.isNaN(e)) return Number.isNaN(a);
  if (!Number.isFinite(e)) return a === e;
  return Math.abs(a - e) <= ATOL + RTOL * Math.abs(e);
}

/** Runs `bytes` in ORT on the case's inputs: the first mismatch, or undefined when all outputs agree. */
async function runAndCompare(bytes: Uint8Array, data: CaseData): Promise<string | undefined> {
  const session = await createOrtSession(bytes, { intraOpNumThreads: 1 });
  try {
    const feeds: Record<string, Tensor> = {};
    data.inputs.forEach((t, i) => {
      const named = data.inputNames[i];
      const name = named && session.inputNames.includes(named) ? named : session.inputNames[i];
      if (name === undefined) throw new Error(`input_${i}.pb has no model input to go to`);
      feeds[name] = t;
    });
    const names = session.outputNames.slice(0, data.outputs.length);
    const result = await session.run(feeds, names);
    for (let i = 0; i < data.outputs.length; i++) {
      const diff = compareTensors(result[names[i]!]!, data.outputs[i]!);
      if (diff) return `output '${names[i]}': ${diff}`;
    }
    return undefined;
  } finally {
    await session.close();
  }
}

async function runCase(dir: string): Promise<Outcome> {
  const file = path.join(dir, 'model.onnx');
  const original = fs.readFileSync(file);
  let data: CaseData;
  let model: Model;
  try {
    model = importOnnx(original, { file, baseDir: dir });
    data = readCase(dir, model);
  } catch (e) {
    if (e instanceof NotTensors) return { kind: 'excluded', why: 'inputs not tensors', reason: e.message };
    return { kind: 'fail', reason: `import: ${(e as Error).message}` };
  }
  let baseline: string | undefined;
  try {
    baseline = await runAndCompare(original, data);
  } catch (e) {
    return { kind: 'excluded', why: 'ORT cannot run the original', reason: firstLine(e) };
  }
  if (baseline) return { kind: 'excluded', why: 'ORT fails the original', reason: baseline };
  try {
    const diff = await runAndCompare(exportOnnx(model).bytes, data);
    return diff ? { kind: 'fail', reason: diff } : { kind: 'pass' };
  } catch (e) {
    return { kind: 'fail', reason: `round trip: ${firstLine(e)}` };
  }
}

function firstLine(e: unknown): string {
  return String((e as Error).message ?? e)
    .split('\n')[0]!
    .slice(0, 300);
}

function listCases(filter = ''): string[] {
  return fs
    .readdirSync(NODE_CASES)
    .filter((c) => c.includes(filter) && fs.existsSync(path.join(NODE_CASES, c, 'model.onnx')))
    .sort();
}

async function main(): Promise<number> {
  if (!fs.existsSync(NODE_CASES)) {
    console.error(`${NODE_CASES} not found: run apt-get install libonnx-testdata`);
    return 2;
  }
  const cases = listCases(process.argv[2] ?? '');
  const failed: string[] = [];
  const excluded = new Map<string, string[]>();
  let passed = 0;
  for (const [i, name] of cases.entries()) {
    if (process.stderr.isTTY) process.stderr.write(`\r[${i + 1}/${cases.length}] ${name}`.padEnd(80));
    else if ((i + 1) % 100 === 0 || i + 1 === cases.length)
      process.stderr.write(`[${i + 1}/${cases.length}]\n`);
    const r = await runCase(path.join(NODE_CASES, name));
    if (r.kind === 'pass') passed++;
    else if (r.kind === 'fail') failed.push(`${name}: ${r.reason}`);
    else excluded.set(r.why, [...(excluded.get(r.why) ?? []), `${name}: ${r.reason}`]);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  for (const [why, list] of excluded) {
    console.log(`excluded, ${why} (${list.length}):`);
    for (const line of list) console.log(`  ${line}`);
  }
  if (failed.length) console.log(`failed (${failed.length}):`);
  for (const line of failed) console.log(`  ${line}`);
  const total = [...excluded.values()].reduce((n, l) => n + l.length, 0);
  const parts = [...excluded].map(([why, l]) => `${l.length} ${why}`).join(', ');
  console.log(`${total} excluded${parts ? ` (${parts})` : ''}`);
  console.log(`${passed} passed, ${failed.length} failed`);
  return failed.length ? 1 : 0;
}

process.exitCode = await main();
