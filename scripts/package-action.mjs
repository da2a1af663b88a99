#!/usr/bin/env node
// Builds the Action's self-contained bundle (`npm run package`): tsc compiles src/ to lib/ (tsc knows the
// package is ESM; ncc's own TypeScript pass does not), ncc bundles lib/index.js, and the files the bundle
// loads at run time are copied beside it: ONNX Runtime's WASM build (onnxruntime-node's native binaries
// cannot travel), LiteRT's WASM build when the bundle reaches it, and a package.json with the version.
// Usage: node scripts/package-action.mjs [out-dir]   (default dist/; CI builds into a temp dir and diffs)
import { execFileSync } from 'node:child_process';
import process from 'node:process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'dist'));
const require = createRequire(path.join(root, 'package.json'));
const pkgDir = (name) => path.join(root, 'node_modules', name);
const node = (script, args) =>
  execFileSync(process.execPath, [script, ...args], { cwd: root, stdio: 'inherit' });

try {
  node(require.resolve('typescript/bin/tsc'), ['-p', 'tsconfig.build.json']);
} catch {
  // Type errors are the typecheck's to report; tsc has still written the JavaScript, which is what ships.
  process.stderr.write('package-action: tsc reported errors (above); bundling the JavaScript it wrote\n');
}
fs.rmSync(out, { recursive: true, force: true });
node(path.join(pkgDir('@vercel/ncc'), 'dist/ncc/cli.js'), [
  'build',
  'lib/index.js',
  '-o',
  out,
  '--license',
  'licenses.txt',
  '--quiet',
]);

const copy = (from, to) => {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
};
const ortDist = path.join(pkgDir('onnxruntime-web'), 'dist');
for (const f of ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']) {
  copy(path.join(ortDist, f), path.join(out, f));
}

// src/runtime/litert-wasm.ts finds LiteRT through require.resolve('@litertjs/core/package.json') from the
// bundle: give it that package's manifest and its two non-threaded builds in dist/node_modules.
const bundle = fs.readFileSync(path.join(out, 'index.js'), 'utf8');
if (bundle.includes('@litertjs/core/package.json')) {
  const litert = pkgDir('@litertjs/core');
  const dest = path.join(out, 'node_modules/@litertjs/core');
  copy(path.join(litert, 'package.json'), path.join(dest, 'package.json'));
  for (const name of ['litert_wasm_internal', 'litert_wasm_compat_internal']) {
    for (const ext of ['js', 'wasm'])
      copy(path.join(litert, 'wasm', `${name}.${ext}`), path.join(dest, 'wasm', `${name}.${ext}`));
  }
}

const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const manifest = { name, version, private: true, type: 'module' };
fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
