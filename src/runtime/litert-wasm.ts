/**
 * Loads LiteRT.js's WASM build in Node. The package targets browsers: its loader injects a <script> or calls
 * importScripts(). The emscripten file itself runs in Node when it sees CommonJS names (`require`,
 * `__dirname`, `module`), so we evaluate it inside a CommonJS-style wrapper instead of touching globals.
 * Only the subset of the embind API this project calls is typed here.
 */
import { existsSync, readFileSync } from 'node:fs';
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
  /** The compiled code it was instantiated from (see LiteRtCode). */
  code?: LiteRtCode;
}

const LOG_LINES = 40;
let instance: Promise<LiteRtInstance> | undefined;

/**
 * LiteRT's compiled WASM code (a WebAssembly.Module; the lib settings here have no WebAssembly types),
 * which another worker thread of this process can instantiate without compiling it again (postMessage
 * and workerData carry it). V8 keeps one copy of a module's code per process, so the functions the first
 * thread's runs made hot and tiered up are fast in the second from its first run: a helper worker
 * (remote-tflite.ts) on PP-OCRv4 det affine's .tflite at 640x640 took 0.48 s CPU to load LiteRT and
 * 1.8 s for its first page (0.9-1.0 s for later ones) compiling on its own, 0.14 s and 1.07 s so.
 */
export type LiteRtCode = object;

/** The engine's WebAssembly API, what is used of it. */
interface WebAssemblyApi {
  compile(bytes: Uint8Array): Promise<LiteRtCode>;
  instantiate(code: LiteRtCode, imports: unknown): Promise<unknown>;
}
const webAssembly = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Code given by shareLiteRtCode, instantiated in place of compiling (for the next load). */
let given: LiteRtCode | undefined;

/** LiteRT's code compiled on another thread: the next load instantiates it instead of compiling. */
export function shareLiteRtCode(code: LiteRtCode): void {
  given = code;
}

/** The loaded runtime's compiled code, to hand to another thread; undefined where emscripten compiled it. */
export async function liteRtCode(): Promise<LiteRtCode | undefined> {
  return (await getLiteRt()).code;
}

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
  const script = await wasmScriptPath();
  const factory = loadFactory(script);
  // The .wasm beside the script (the package's layout, and the Action bundle's copy of it), compiled here
  // so that the code can be shared (LiteRtCode); emscripten's own loading where it is not there.
  const binary = script.replace(/\.js$/, '.wasm');
  const code = given ?? (existsSync(binary) ? await webAssembly.compile(readFileSync(binary)) : undefined);
  let failed: (e: unknown) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => (failed = reject));
  // emscripten's hook takes the instance through a callback and has no way to fail: a failure races it.
  const instantiateWasm = (imports: unknown, ok: (instance: unknown, module: LiteRtCode) => void) => {
    webAssembly.instantiate(code!, imports).then((i) => ok(i, code!), failed);
    return {};
  };
  const wasm = await Promise.race([
    factory({ print: keep, printErr: keep, ...(code ? { instantiateWasm } : {}) }),
    failure,
  ]);
  wasm.setupLogging();
  return {
    wasm,
    env: wasm.LiteRtEnvironment.create(null),
    log,
    code,
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
