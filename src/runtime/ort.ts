import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ortWeb from 'onnxruntime-web';
import { ModelFormatError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import { Tensor } from '../ir/tensor.js';
import { stopwatch } from '../util/timing.js';

/**
 * ONNX Runtime behind the project's own types: feeds and results are IR tensors. One adapter, so the
 * pipeline never touches the runtime's API and the backend (native or WASM) can change in one place.
 *
 * Backend: onnxruntime-node where it can be loaded (the CLI, the tests); onnxruntime-web's WASM build
 * where it cannot (the Action's bundle, which carries no native binaries) or when MODEL_QUANT_ORT=wasm.
 */
export interface OrtSessionOptions {
  /** ORT writes the graph it actually runs here (after its own fusions), for tests that inspect it. */
  optimizedModelFilePath?: string;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  intraOpNumThreads?: number;
  /** ORT's memory pattern (planning each run's buffers from the first runs' shapes); default on, but off at 'basic'. */
  enableMemPattern?: boolean;
  /**
   * ORT's CPU arena (default on): memory a run frees stays in the session for the next run. Off, ORT
   * allocates and frees each value with the process's malloc, where the JS buffers also live.
   */
  enableCpuMemArena?: boolean;
  /** Names the model in errors (default: its path, or "the ONNX model" for bytes). */
  name?: string;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<Record<string, Tensor>>;
  close(): Promise<void>;
}

/** Both packages export the same onnxruntime-common API; the web one's types stand for both. */
type OrtModule = typeof ortWeb;
export type OrtBackendName = 'node' | 'wasm';

const TO_ORT: Partial<Record<DType, ortWeb.Tensor.Type>> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  uint16: 'uint16',
  int32: 'int32',
  uint32: 'uint32',
  int64: 'int64',
  uint64: 'uint64',
  bool: 'bool',
  string: 'string',
};

const FROM_ORT = new Map<string, DType>(Object.entries(TO_ORT).map(([k, v]) => [v as string, k as DType]));

let chosen: { name: OrtBackendName; ort: OrtModule } | undefined;
let loading: Promise<{ name: OrtBackendName; ort: OrtModule }> | undefined;

/** The backend in use, chosen once per process on the first session. */
export async function ortBackend(): Promise<OrtBackendName> {
  return (await loadBackend()).name;
}

function loadBackend(): Promise<{ name: OrtBackendName; ort: OrtModule }> {
  loading ??= (async () => {
    const wanted = process.env.MODEL_QUANT_ORT;
    if (wanted !== 'wasm') {
      try {
        // A variable specifier keeps bundlers from inlining the native package.
        const specifier = 'onnxruntime-node';
        const mod = (await import(specifier)) as OrtModule & { default?: OrtModule };
        chosen = { name: 'node', ort: mod.InferenceSession ? mod : mod.default! };
        return chosen;
      } catch (e) {
        if (wanted === 'node') {
          throw new Error(`MODEL_QUANT_ORT=node, but onnxruntime-node does not load: ${e}`, { cause: e });
        }
      }
    }
    configureWasm();
    chosen = { name: 'wasm', ort: ortWeb };
    return chosen;
  })();
  return loading;
}

const WASM_FILES = ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'];

/**
 * In the Action's bundle the WASM files sit next to the bundle (dist/), not in node_modules: point ORT at
 * them there. Unbundled, ORT finds its own files. One thread: the runner's cores are few, and workers
 * would have to load the bundle's .mjs again.
 */
function configureWasm(): void {
  const here = path.dirname(fileURLToPath(import.meta.url));
  if (WASM_FILES.every((f) => fs.existsSync(path.join(here, f)))) {
    ortWeb.env.wasm.wasmPaths = {
      mjs: new URL(WASM_FILES[0]!, import.meta.url).href,
      wasm: new URL(WASM_FILES[1]!, import.meta.url).href,
    };
  }
  ortWeb.env.wasm.numThreads = 1;
  ortWeb.env.logLevel = 'error';
}

/** What an ORT error names when the session runs bytes built in memory rather than a file. */
export const IN_MEMORY_MODEL = 'the ONNX model';

export async function createOrtSession(
  model: Uint8Array | string,
  opts: OrtSessionOptions = {},
): Promise<OrtSession> {
  const { name, ort } = await loadBackend();
  const options: ortWeb.InferenceSession.SessionOptions = {
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    // Fatal only: a failing run is thrown to the caller with ORT's status message, which the CLI prints as
    // its one error line; ORT's own error-level log would print the same failure again, several times
    // (once per enclosing If/Loop node), before it.
    logSeverityLevel: 4,
  };
  if (name === 'wasm') options.executionProviders = ['wasm'];
  // Native intra-op threads sleep when idle instead of spinning: between runs this process bins, copies and
  // runs LiteRT on the same cores, which spinning threads took from it. Results are unchanged (files cmp
  // equal); measured on 2 quiet cores, 32 calibration samples, default CLI, wall (CPU) spinning -> not:
  // PP-OCRv4 det 640 affine 17.1-19.5 s (26.9-31.4) -> 16.8-16.9 s (23.1-23.2), rec affine 7.4-8.3 s
  // (11.5-12.9) -> 6.9-7.2 s (9.4-10.0).
  else options.extra = { session: { intra_op: { allow_spinning: '0' } } };
  if (opts.intraOpNumThreads !== undefined) options.intraOpNumThreads = opts.intraOpNumThreads;
  // At 'basic' a QDQ graph dequantizes every weight on each run; the memory pattern planned from the first
  // run then keeps a second set of the float weights (300 MB MLP: 481 -> 800 MB after two runs), without it
  // the arena reuses the first. Memory planning changes no result.
  const memPattern = opts.enableMemPattern ?? (opts.graphOptimizationLevel === 'basic' ? false : undefined);
  if (memPattern !== undefined) options.enableMemPattern = memPattern;
  if (opts.enableCpuMemArena !== undefined) options.enableCpuMemArena = opts.enableCpuMemArena;
  if (opts.optimizedModelFilePath) options.optimizedModelFilePath = opts.optimizedModelFilePath;
  // The WASM build reads no files of its own accord here: hand it the bytes.
  const source =
    typeof model === 'string' && name === 'wasm' ? new Uint8Array(fs.readFileSync(model)) : model;
  const file = opts.name ?? (typeof model === 'string' ? model : IN_MEMORY_MODEL);
  // A runtime refusing or failing on a file is reported as a fault of that file, naming the runtime.
  const fault =
    (doing: string) =>
    (e: unknown): never => {
      const message = (e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, '; ');
      throw new ModelFormatError(file, `ONNX Runtime ${doing}: ${message}`);
    };
  const lap = stopwatch('ort');
  const session = await (
    typeof source === 'string'
      ? ort.InferenceSession.create(source, options)
      : ort.InferenceSession.create(source, options)
  ).catch(fault('cannot load the model'));
  const what =
    typeof source === 'string' ? path.basename(source) : `${(source.byteLength / 2 ** 20).toFixed(1)} MB`;
  lap(`open ${what} at '${options.graphOptimizationLevel}'`);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      const ortFeeds: Record<string, ortWeb.Tensor> = {};
      for (const [k, t] of Object.entries(feeds)) ortFeeds[k] = toOrt(t);
      const result = await (
        outputs ? session.run(ortFeeds, outputs as string[]) : session.run(ortFeeds)
      ).catch(fault('fails running the model'));
      const out: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(result)) out[k] = fromOrt(t);
      return out;
    },
    close: () => session.release(),
  };
}

/** A tensor of the backend in use (of the WASM one before any session has chosen). */
export function toOrt(t: Tensor): ortWeb.Tensor {
  const type = TO_ORT[t.dtype];
  if (!type) throw new TypeError(`ONNX Runtime cannot take a ${t.dtype} tensor`);
  const data = t.dtype === 'bool' ? Uint8Array.from(t.data as Uint8Array) : t.data;
  const ort = chosen?.ort ?? ortWeb;
  return new ort.Tensor(type, data as any, [...t.dims]);
}

export function fromOrt(t: ortWeb.Tensor): Tensor {
  const dtype = FROM_ORT.get(t.type);
  if (!dtype) throw new TypeError(`ONNX Runtime returned a ${t.type} tensor, which the IR does not hold`);
  let data = t.data as any;
  if (dtype === 'bool') data = Uint8Array.from(data as ArrayLike<number>, (v) => (v ? 1 : 0));
  if (dtype === 'float16' && !(data instanceof Uint16Array))
    data = new Uint16Array(data.buffer, data.byteOffset, data.length);
  return new Tensor(dtype, t.dims, data);
}
