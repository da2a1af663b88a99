/**
 * Messages between the main thread and a .tflite evaluation worker (remote-tflite.ts, tflite-worker.ts).
 * Feeds and outputs cross as plain typed arrays (copied); errors as their class name, message and own
 * fields, rebuilt on the main thread as the same class, so that a caller's `instanceof` still sorts them.
 */
import { DataError, InvalidOptionError, ModelFormatError, UnsupportedOpError } from '../errors.js';
import type { DType } from '../ir/dtype.js';
import type { TensorData } from '../ir/tensor.js';
import { KernelError } from '../runtime/integer/kernels/common/params.js';
import type { TfliteTarget } from './evaluate-tflite.js';
import type { Outputs } from './evaluate.js';

export const WORKER_ROLE = 'model-quant tflite evaluation';

export interface WorkerData {
  role: typeof WORKER_ROLE;
  /** Load LiteRT's WASM at once (its first model then opens without waiting for the compile). */
  litert: boolean;
}

export type WireFeeds = Record<string, { dtype: DType; dims: readonly number[]; data: TensorData }>;

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

export type ToWorker =
  | {
      type: 'open';
      key: string;
      bytes: Uint8Array;
      layout: 'nchw' | 'nhwc' | string[];
      target?: TfliteTarget;
      file?: string;
    }
  /** `nchw`: the feeds are the samples as read (the worker moves them to NHWC where the file wants). */
  | { type: 'run'; key: string; index: number; feeds: WireFeeds; nchw: boolean }
  | { type: 'close'; key: string };

export type FromWorker =
  | {
      type: 'opened';
      key: string;
      nhwc?: boolean;
      stored?: string[];
      shapes?: Record<string, readonly number[]>;
      /** Candidate.valueBytes of the file opened. */
      valueBytes?: number;
      error?: WireError;
    }
  | { type: 'result'; key: string; index: number; outputs?: Outputs; error?: WireError }
  | { type: 'closed'; key: string };

export function serializeError(e: unknown): WireError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e), fields: {} };
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    try {
      structuredClone(v);
      fields[k] = v;
    } catch {
      // A field that cannot cross (a function, a node object): left behind.
    }
  }
  return { name: e.name, message: e.message, stack: e.stack, fields };
}

/** The classes the pipeline sorts errors by; any other comes back as a plain Error of the same name. */
const CLASSES: Record<string, { prototype: Error }> = {
  ModelFormatError,
  UnsupportedOpError,
  InvalidOptionError,
  DataError,
  KernelError,
};

export function rebuildError(w: WireError): Error {
  const e = Object.create((CLASSES[w.name] ?? Error).prototype) as Error;
  Object.assign(e, w.fields);
  Object.defineProperty(e, 'message', { value: w.message, writable: true, configurable: true });
  Object.defineProperty(e, 'name', { value: w.name, writable: true, configurable: true });
  if (w.stack) Object.defineProperty(e, 'stack', { value: w.stack, writable: true, configurable: true });
  return e;
}
