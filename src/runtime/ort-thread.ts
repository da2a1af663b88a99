import { createRequire } from 'node:module';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Tensor } from '../ir/tensor.js';
import { stopwatch } from '../util/timing.js';
import {
  IN_MEMORY_MODEL,
  fromOrt,
  modelLabel,
  ortBackend,
  ortFault,
  ortFields,
  sessionOptions,
  type OrtSession,
  type OrtSessionOptions,
} from './ort.js';
import { ORT_WORKER_SOURCE } from './ort-worker.js';

/**
 * onnxruntime-node sessions on a worker thread (ort-worker.ts). onnxruntime-node 1.30 runs a session on
 * the calling thread (its `run` is a promise around a synchronous call made from setImmediate): while
 * ONNX Runtime runs, the main thread can do nothing else, and whatever the main thread does between runs
 * (binning what a run fetched) leaves ONNX Runtime's cores idle. A session opened here runs beside the
 * main thread: a caller that starts the next run before working on the last one's results
 * (calibrate-reduced.ts, calibrate.ts) overlaps the two. Results are the same values: the same ONNX
 * Runtime, the same session options, the same feeds; feeds are copied to the worker and results handed
 * back without a copy.
 */
export class OrtThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (m: Reply) => void; reject: (e: Error) => void }>();
  private next = 0;
  private failed?: Error;

  private constructor(ort: string) {
    this.worker = new Worker(ORT_WORKER_SOURCE, { eval: true, workerData: { ort } });
    // Kept alive only while a reply is awaited.
    this.worker.unref();
    this.worker.on('message', (m: FromOrtThread) => {
      const key = m.type === 'opened' ? m.id : m.seq;
      const w = this.waiting.get(key);
      this.waiting.delete(key);
      if (!this.waiting.size) this.worker.unref();
      w?.resolve(m);
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the ONNX Runtime worker stopped (exit code ${code})`)));
  }

  /**
   * A worker for sessions, or undefined where sessions stay on the calling thread: ONNX Runtime's WASM
   * build (which has no native thread of its own to leave; the Action's bundle runs it), one core, or
   * MODEL_QUANT_WORKERS=0 (for comparing both ways).
   */
  static async start(): Promise<OrtThread | undefined> {
    if (process.env.MODEL_QUANT_WORKERS === '0' || os.availableParallelism() < 2) return undefined;
    if ((await ortBackend()) !== 'node') return undefined;
    // A variable specifier, as in ort.ts: bundlers must not inline the native package.
    const specifier = 'onnxruntime-node';
    return new OrtThread(createRequire(import.meta.url).resolve(specifier));
  }

  /** A session on `model` (bytes or a path) in this worker, opened as createOrtSession opens it. */
  async open(model: Uint8Array | string, opts: OrtSessionOptions = {}): Promise<OrtSession> {
    const file = opts.name ?? (typeof model === 'string' ? model : IN_MEMORY_MODEL);
    const lap = stopwatch('ort');
    const id = this.next++;
    const options = sessionOptions(opts, 'node');
    // The bytes in a buffer of their own, handed over.
    const bytes = typeof model === 'string' || whole(model) ? model : model.slice();
    const opened = (await this.ask(
      id,
      { type: 'open', id, model: bytes, options },
      typeof bytes === 'string' ? [] : [bytes.buffer as ArrayBuffer],
    )) as Extract<FromOrtThread, { type: 'opened' }>;
    if (opened.error !== undefined) ortFault(file, 'cannot load the model')(new Error(opened.error));
    lap(`open ${modelLabel(model)} at '${options.graphOptimizationLevel}' (worker)`);
    return {
      inputNames: opened.inputNames!,
      outputNames: opened.outputNames!,
      run: async (feeds, outputs) => {
        const wire: Record<string, WireTensor> = {};
        const transfer: ArrayBuffer[] = [];
        for (const [k, t] of Object.entries(feeds)) {
          const { type, data, dims } = ortFields(t);
          // Copied to the worker: the caller keeps its tensors (a view into a larger buffer is cut out
          // first, so that only its own bytes cross).
          const own = ArrayBuffer.isView(data) && !whole(data) ? data.slice() : data;
          if (own !== data) transfer.push((own as Uint8Array).buffer as ArrayBuffer);
          wire[k] = { type, dims, data: own };
        }
        const seq = this.next++;
        const m = {
          type: 'run' as const,
          id,
          seq,
          feeds: wire,
          ...(outputs ? { outputs: [...outputs] } : {}),
        };
        const r = (await this.ask(seq, m, transfer)) as Extract<FromOrtThread, { type: 'result' }>;
        if (r.error !== undefined) ortFault(file, 'fails running the model')(new Error(r.error));
        const out: Record<string, Tensor> = {};
        for (const [k, t] of Object.entries(r.outputs!)) out[k] = fromOrt(t as never);
        return out;
      },
      close: async () => {
        if (!this.failed) this.worker.postMessage({ type: 'close', id } satisfies ToOrtThread);
      },
    };
  }

  /** Ends the worker (its sessions with it). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private ask(key: number, m: ToOrtThread, transfer: ArrayBuffer[]): Promise<Reply> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiting.set(key, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(m, transfer);
    });
  }
}

const whole = (a: ArrayBufferView) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;

/** A tensor as it crosses to and from the worker: ONNX Runtime's type name, dims and data. */
export interface WireTensor {
  type: ReturnType<typeof ortFields>['type'];
  dims: number[];
  data: Tensor['data'];
}

type Reply = FromOrtThread;

export type ToOrtThread =
  | {
      type: 'open';
      id: number;
      model: Uint8Array | string;
      options: ReturnType<typeof sessionOptions>;
    }
  | { type: 'run'; id: number; seq: number; feeds: Record<string, WireTensor>; outputs?: string[] }
  | { type: 'close'; id: number };

export type FromOrtThread =
  | { type: 'opened'; id: number; inputNames?: string[]; outputNames?: string[]; error?: string }
  | { type: 'result'; seq: number; outputs?: Record<string, WireTensor>; error?: string };
