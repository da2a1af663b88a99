/**
 * Loads LiteRT.js's WASM build in Node. The package targets browsers: its loader injects a <script> or calls
 * importScripts(). The emscripten file itself runs in Node when it sees CommonJS names (`require`,
 * `__dirname`, `module`), so we evaluate it inside a CommonJS-style wrapper instead of touching globals.
 * Only the subset of the embind API this project calls is typed here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import { supportsFeature } from '@litertjs/core';

interface Deletable {
  delete(): void;
}
export interface WasmVector<T> extends Deletable {
  size(): number;
  get(index: number): T;
  push_back(item: T): void;
}
export interface WasmEnum {
  value: number;
}
export interface WasmLayout extends Deletable {
  dimensions(): WasmVector<number>;
}
export interface WasmTensorType extends Deletable {
  elementType(): WasmEnum;
  layout(): WasmLayout;
  bytes(): number;
}
export interface WasmTensorBuffer extends Deletable {
  lock(mode: WasmEnum): number;
  unlock(): void;
  tensorType(): WasmTensorType;
  packedSize(): number;
  offset(): number;
}
export interface WasmSignature extends Deletable {
  key(): string;
  inputNames(): WasmVector<string>;
  outputNames(): WasmVector<string>;
}
export interface WasmModel extends Deletable {
  getNumSignatures(): number;
  getSignature(index: number): WasmSignature;
  getInputTensorType(signature: number, index: number): WasmTensorType;
  getOutputTensorType(signature: number, index: number): WasmTensorType;
}
export interface WasmCompiledModel extends Deletable {
  run(signature: number, inputs: WasmTensorBuffer[]): WasmTensorBuffer[] | Promise<WasmTensorBuffer[]>;
}
export type WasmEnvironment = Deletable;

export interface LiteRtWasm {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  setupLogging(): void;
  LiteRtEnvironment: { create(webGpuDevice: null): WasmEnvironment };
  loadModel(env: WasmEnvironment, ptr: number, size: number): WasmModel;
  compileModel(
    env: WasmEnvironment,
    model: WasmModel,
    options: Record<string, unknown>,
  ): WasmCompiledModel | Promise<WasmCompiledModel>;
  LiteRtTensorBuffer: {
    createManaged(
      env: WasmEnvironment,
      type: WasmEnum,
      tensorType: WasmTensorType,
      size: number,
    ): WasmTensorBuffer;
  };
  LiteRtTensorBufferType: { HOST_MEMORY: WasmEnum };
  LiteRtTensorBufferLockMode: { READ: WasmEnum; WRITE: WasmEnum };
}

/**
 * The runtime with its one environment; `log` keeps LiteRT's recent messages for error reports, `errors`
 * counts the ERROR lines it has printed (a run that printed one failed, whatever it returned).
 */
export interface LiteRtInstance {
  wasm: LiteRtWasm;
  env: WasmEnvironment;
  log: string[];
  readonly errors: number;
}

const LOG_LINES = 40;
let instance: Promise<LiteRtInstance> | undefined;

/** The runtime, loaded once per process. */
export function getLiteRt(): Promise<LiteRtInstance> {
  instance ??= loadLiteRt().catch((error: unknown) => {
    instance = undefined;
    throw error;
  });
  return instance;
}

/**
 * Drops the loaded instance after its WASM trapped (an out-of-bounds access, an abort): emscripten
 * leaves such an instance unusable, so the next getLiteRt() loads a fresh one.
 */
export function resetLiteRt(): void {
  instance = undefined;
}

/** A fault of the WASM itself, as opposed to an error LiteRT reports. */
export function isTrap(error: unknown): boolean {
  // WebAssembly.RuntimeError (the lib settings here have no WebAssembly types); emscripten's abort().
  if (!(error instanceof Error)) return false;
  return error.name === 'RuntimeError' || /^Aborted\(/.test(error.message);
}

async function loadLiteRt(): Promise<LiteRtInstance> {
  const log: string[] = [];
  const printed = { errors: 0 };
  const keep = (line: string): void => {
    if (process.env.MODEL_QUANT_LITERT_LOG) process.stderr.write(`${line}\n`);
    log.push(line);
    if (log.length > LOG_LINES) log.shift();
    if (/^ERROR\b/.test(line)) printed.errors++;
  };
  const factory = loadFactory(await wasmScriptPath());
  const wasm = await factory({ print: keep, printErr: keep });
  wasm.setupLogging();
  return {
    wasm,
    env: wasm.LiteRtEnvironment.create(null),
    log,
    get errors() {
      return printed.errors;
    },
  };
}

type Factory = (moduleArg: Record<string, unknown>) => Promise<LiteRtWasm>;

/**
 * Picks the non-threaded, non-JSPI build: the relaxed-SIMD one where the engine has relaxed SIMD (Node 22+),
 * the compat one otherwise (Node 20's V8 lacks it unless flagged).
 */
async function wasmScriptPath(): Promise<string> {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('@litertjs/core/package.json'));
  const name = (await supportsFeature('relaxedSimd'))
    ? 'litert_wasm_internal'
    : 'litert_wasm_compat_internal';
  return join(pkgDir, 'wasm', `${name}.js`);
}

function loadFactory(file: string): Factory {
  const source = readFileSync(file, 'utf8');
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const fn = vm.runInThisContext(wrapped, { filename: file }) as (...args: unknown[]) => void;
  const mod: { exports: unknown } = { exports: {} };
  fn(mod.exports, createRequire(file), mod, file, dirname(file));
  if (typeof mod.exports !== 'function') throw new Error(`LiteRT: ${file} did not export a module factory`);
  return mod.exports as Factory;
}

/** Copies an embind vector into an array and frees it. */
export function fromVector<T>(vector: WasmVector<T>): T[] {
  const out: T[] = [];
  for (let i = 0; i < vector.size(); i++) out.push(vector.get(i));
  vector.delete();
  return out;
}
