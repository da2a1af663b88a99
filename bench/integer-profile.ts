/**
 * The integer executor's CPU time per kernel on a .tflite (by default pow2 as the device runs it):
 *   npx tsx bench/integer-profile.ts <file.tflite> <dir of .npy samples> [n] [rounding]
 * runs the last n samples (default 4) and prints CPU time by op (PER_STEP=1: by step, TOP=k rows), the
 * time inside each WebAssembly kernel, and a hash of each output, to check that a faster kernel computes
 * the same bytes. Each kernel's run is wrapped with process.cpuUsage (about a microsecond per call).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { readNpyFile } from '../src/data/npy.js';
import { importTflite } from '../src/formats/tflite/import.js';
import { createIntegerExecutor } from '../src/runtime/integer/index.js';
import type { Rounding } from '../src/runtime/integer/fixed-point.js';
import type { KernelContext, PreparedKernel } from '../src/runtime/integer/types.js';
import { WasmArena } from '../src/runtime/integer/wasm/arena.js';
import { INTEGER_KERNELS } from '../src/tflite/ops/index.js';

const [file, dir, count = '4', rounding = 'nearest'] = process.argv.slice(2);
const cpuMs = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1000;
};

const byKey = new Map<string, { ms: number; runs: number; elements: number }>();
const keyOf = (op: string, cx: KernelContext, k: PreparedKernel) =>
  process.env.PER_STEP
    ? `${op} ${cx.node.name} [${cx.inputs.map((v) => v.shape.join('x')).join(', ')}] -> ${k.outputs[0]?.shape.join('x')}`
    : op.includes('CONV')
      ? `${op} ${cx.inputs[1]?.shape.slice(1, 3).join('x')}`
      : op;
for (const [op, kernel] of INTEGER_KERNELS) {
  const prepare = kernel.prepare.bind(kernel);
  kernel.prepare = (cx) => {
    const k = prepare(cx);
    const run = k.run.bind(k);
    const key = keyOf(op, cx, k);
    const elements = k.outputs[0]?.shape.reduce((a, b) => a * b, 1) ?? 0;
    k.run = (inputs, outputs) => {
      const c0 = process.cpuUsage();
      run(inputs, outputs);
      const r = byKey.get(key) ?? { ms: 0, runs: 0, elements: 0 };
      r.ms += cpuMs(c0);
      r.runs++;
      r.elements += elements;
      byKey.set(key, r);
    };
    return k;
  };
}

const wasmMs = new Map<string, number>();
const create = WasmArena.create.bind(WasmArena);
WasmArena.create = () => {
  const arena = create();
  if (!arena) return arena;
  for (const name of ['gemm', 'dwconv', 'requant', 'requantShift', 'requantFixed'] as const) {
    const f = arena[name] as (...args: number[]) => void;
    Object.defineProperty(arena, name, {
      value: (...args: number[]) => {
        const c0 = process.cpuUsage();
        f(...args);
        wasmMs.set(name, (wasmMs.get(name) ?? 0) + cpuMs(c0));
      },
    });
  }
  return arena;
};

const model = importTflite(fs.readFileSync(file!), path.basename(file!));
const c0 = process.cpuUsage();
const ex = createIntegerExecutor(model, { scheme: 'pow2', rounding: rounding as Rounding });
const setupMs = cpuMs(c0);
const files = fs
  .readdirSync(dir!)
  .filter((f) => f.endsWith('.npy'))
  .sort()
  .slice(-Number(count));
const hashes: string[] = [];
const c1 = process.cpuUsage();
for (const f of files) {
  const outputs = ex.run({ [ex.inputNames[0]!]: readNpyFile(path.join(dir!, f)) });
  for (const o of Object.values(outputs)) {
    const d = o.data as Int8Array;
    hashes.push(
      createHash('sha1')
        .update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))
        .digest('hex')
        .slice(0, 10),
    );
  }
}
const runMs = cpuMs(c1);
console.log(
  `setup ${setupMs.toFixed(0)} ms CPU; ${files.length} runs ${runMs.toFixed(0)} ms CPU (reading samples included)`,
);
const rows = [...byKey].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, r]) => s + r.ms, 0);
for (const [key, r] of rows.slice(0, Number(process.env.TOP ?? 40)))
  console.log(
    `${key.padEnd(30)} ${(r.ms / files.length).toFixed(1).padStart(7)} ms/run ${((100 * r.ms) / total).toFixed(1).padStart(5)}%  ${(r.runs / files.length).toFixed(0)} steps  ${((1e6 * r.ms) / r.elements).toFixed(2)} ns/output`,
  );
console.log(
  'WebAssembly, ms/run:',
  [...wasmMs].map(([k, v]) => `${k} ${(v / files.length).toFixed(1)}`).join(', '),
);
console.log('output hashes', hashes.join(','));
