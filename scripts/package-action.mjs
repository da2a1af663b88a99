#!/usr/bin/env node
// Builds the Action's self-contained bundle (`npm run package`): tsc compiles src/ to lib/ (tsc knows the
// package is ESM; ncc's own TypeScript pass does not), ncc bundles lib/index.js, and the files the bundle
// loads at run time are copied beside it: ONNX Runtime's WASM build (onnxruntime-node's native binaries
// cannot travel), LiteRT's WASM build when the bundle reaches it, and a package.json with the version.
// It also writes action.yml's flag inputs from the CLI's flag table (FLAGS in src/options.ts), so that
// every flag is an input of the same name and default.
// Usage: node scripts/package-action.mjs [out-dir]   (default dist/; CI builds into a temp dir and diffs)
//        node scripts/package-action.mjs --inputs     (only action.yml's flag inputs)
// Built into another folder than dist/ (CI's check), it leaves action.yml alone and fails when its flag
// inputs are not those FLAGS gives.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const pkgDir = (name) => path.join(root, 'node_modules', name);
const node = (script, args) =>
  execFileSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });

/** The Action's wording where a flag means more there than on the command line. */
const ACTION_NOTES = {
  input:
    "Models to quantize (.onnx or .tflite): a path, a folder, a glob, or several of them, one per line. With `mode: merge`, the folder(s) holding the matrix jobs' downloaded `*_summary.json` files.",
  fail_on_drop:
    'Fail the step, with a warning annotation on the model file, when labelled top-1 drops by more than this many points (without labels: top-1 agreement below 100 - points %, for an [N, T, classes] output the character agreement of its greedy CTC decoding).',
};
const BEGIN = '  # <flags> generated from FLAGS in src/options.ts by `npm run package`: edit them there\n';
const END = '  # </flags>\n';

function compile() {
  try {
    node(require.resolve('typescript/bin/tsc'), ['-p', 'tsconfig.build.json']);
  } catch {
    // Type errors are the typecheck's to report; tsc has still written the JavaScript, which is what ships.
    process.stderr.write('package-action: tsc reported errors (above); bundling the JavaScript it wrote\n');
  }
}

function bundle(out) {
  fs.rmSync(out, { recursive: true, force: true });
  const ncc = path.join(pkgDir('@vercel/ncc'), 'dist/ncc/cli.js');
  node(ncc, ['build', 'lib/action/index.js', '-o', out, '--license', 'licenses.txt', '--quiet']);
  const copy = (from, to) => {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
  };
  // The .tflite evaluation's worker (src/eval/worker-entry.ts looks for tflite-worker.js beside the
  // bundle): a bundle of its own, so that the Action evaluates the .tflite on a second core as the CLI
  // does, instead of in process after ONNX Runtime. It reaches LiteRT as the main bundle does (below).
  const worker = fs.mkdtempSync(path.join(os.tmpdir(), 'model-quant-worker-'));
  try {
    node(ncc, ['build', 'lib/eval/tflite-worker.js', '-o', worker, '--quiet']);
    for (const f of fs.readdirSync(worker)) {
      if (f === 'package.json') continue;
      const to = path.join(out, f === 'index.js' ? 'tflite-worker.js' : f);
      if (fs.existsSync(to))
        throw new Error(`package-action: the worker bundle's ${f} would overwrite ${to}`);
      fs.copyFileSync(path.join(worker, f), to);
    }
  } finally {
    fs.rmSync(worker, { recursive: true, force: true });
  }
  const ortDist = path.join(pkgDir('onnxruntime-web'), 'dist');
  for (const f of ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) {
    copy(path.join(ortDist, f), path.join(out, f));
  }
  // src/runtime/litert-wasm.ts finds LiteRT through require.resolve('@litertjs/core/package.json') from
  // the bundle: give it that package's manifest and its two non-threaded builds in dist/node_modules.
  const reaches = (f) => fs.readFileSync(path.join(out, f), 'utf8').includes('@litertjs/core/package.json');
  if (reaches('index.js') || reaches('tflite-worker.js')) {
    const litert = pkgDir('@litertjs/core');
    const dest = path.join(out, 'node_modules/@litertjs/core');
    copy(path.join(litert, 'package.json'), path.join(dest, 'package.json'));
    for (const name of ['litert_wasm_internal', 'litert_wasm_compat_internal']) {
      for (const ext of ['js', 'wasm']) {
        copy(path.join(litert, 'wasm', `${name}.${ext}`), path.join(dest, 'wasm', `${name}.${ext}`));
      }
    }
  }
  const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const manifest = { name, version, private: true, type: 'module' };
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Rewrites the block between the markers in action.yml, formatted as prettier formats the rest. */
async function writeActionInputs(check) {
  const { FLAGS } = await import(pathToFileURL(path.join(root, 'lib/options.js')).href);
  const file = path.join(root, 'action.yml');
  const text = fs.readFileSync(file, 'utf8');
  const [head, rest] = text.split(BEGIN);
  const tail = rest?.split(END)[1];
  if (tail === undefined) throw new Error('action.yml: the # <flags> ... # </flags> markers are missing');
  const sentence = (d) =>
    d
      .replace(/--([a-z_]+)/g, '$1')
      .replace(/^[a-z]+(?=[\s:,-])/, (w) => w[0].toUpperCase() + w.slice(1))
      .replace(/([^.])$/, '$1.');
  const lines = FLAGS.flatMap((f) => [
    `  ${f.name}:`,
    `    description: ${JSON.stringify(ACTION_NOTES[f.name] ?? sentence(f.description))}`,
    ...(f.required ? ['    required: true'] : []),
    ...(f.default !== undefined ? [`    default: ${JSON.stringify(f.default)}`] : []),
  ]);
  const prettier = await import('prettier');
  const options = { ...(await prettier.resolveConfig(file)), filepath: file };
  const next = await prettier.format(`${head}${BEGIN}${lines.join('\n')}\n${END}${tail}`, options);
  if (next === text) return;
  if (!check) return fs.writeFileSync(file, next);
  process.stderr.write("action.yml's flag inputs differ from FLAGS in src/options.ts: run npm run package\n");
  process.exit(1);
}

compile();
const out =
  process.argv[2] === '--inputs' ? undefined : path.resolve(process.argv[2] ?? path.join(root, 'dist'));
if (out) bundle(out);
await writeActionInputs(out !== undefined && out !== path.join(root, 'dist'));
