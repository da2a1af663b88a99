import * as ort from 'onnxruntime-node';
import type { DType } from '../ir/dtype.js';
import { Tensor } from '../ir/tensor.js';

/**
 * ONNX Runtime behind the project's own types: feeds and results are IR tensors. One adapter, so the
 * pipeline never touches the runtime's API and the backend (native or WASM) can change in one place.
 */
export interface OrtSessionOptions {
  /** ORT writes the graph it actually runs here (after its own fusions), for tests that inspect it. */
  optimizedModelFilePath?: string;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  intraOpNumThreads?: number;
}

export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, Tensor>, outputs?: readonly string[]): Promise<Record<string, Tensor>>;
  close(): Promise<void>;
}

const TO_ORT: Partial<Record<DType, ort.Tensor.Type>> = {
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

export async function createOrtSession(
  model: Uint8Array | string,
  opts: OrtSessionOptions = {},
): Promise<OrtSession> {
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: opts.graphOptimizationLevel ?? 'all',
    logSeverityLevel: 3,
  };
  if (opts.intraOpNumThreads !== undefined) options.intraOpNumThreads = opts.intraOpNumThreads;
  if (opts.optimizedModelFilePath) options.optimizedModelFilePath = opts.optimizedModelFilePath;
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, options)
      : await ort.InferenceSession.create(model, options);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
      const result = outputs ? await session.run(ortFeeds, outputs as string[]) : await session.run(ortFeeds);
      const out: Record<string, Tensor> = {};
      for (const [name, t] of Object.entries(result)) out[name] = fromOrt(t);
      return out;
    },
    close: () => session.release(),
  };
}

export function toOrt(t: Tensor): ort.Tensor {
  const type = TO_ORT[t.dtype];
  if (!type) throw new TypeError(`ONNX Runtime cannot take a ${t.dtype} tensor`);
  const data = t.dtype === 'bool' ? Uint8Array.from(t.data as Uint8Array) : t.data;
  return new ort.Tensor(type, data as any, [...t.dims]);
}

export function fromOrt(t: ort.Tensor): Tensor {
  const dtype = FROM_ORT.get(t.type);
  if (!dtype) throw new TypeError(`ONNX Runtime returned a ${t.type} tensor, which the IR does not hold`);
  let data = t.data as any;
  if (dtype === 'bool') data = Uint8Array.from(data as ArrayLike<number>, (v) => (v ? 1 : 0));
  if (dtype === 'float16' && !(data instanceof Uint16Array))
    data = new Uint16Array(data.buffer, data.byteOffset, data.length);
  return new Tensor(dtype, t.dims, data);
}
