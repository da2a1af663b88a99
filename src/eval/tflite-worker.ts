/**
 * The worker side of remote-tflite.ts: a written .tflite run in LiteRT or the integer executor on a
 * worker thread, beside the main thread's ONNX Runtime. Loaded only as a worker's entry; it runs the very
 * candidates the main thread would (tfliteCandidate), one message at a time, in the order they came.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Tensor } from '../ir/tensor.js';
import type { Feeds } from '../quant/calibrate.js';
import { getLiteRt } from '../runtime/litert-wasm.js';
import { tfliteCandidate } from './evaluate-tflite.js';
import type { Candidate } from './evaluate.js';
import { toNhwc } from './nhwc.js';
import {
  WORKER_ROLE,
  serializeError,
  type FromWorker,
  type ToWorker,
  type WireFeeds,
  type WorkerData,
} from './worker-protocol.js';

function feedsOf(wire: WireFeeds): Feeds {
  return Object.fromEntries(Object.entries(wire).map(([k, t]) => [k, new Tensor(t.dtype, t.dims, t.data)]));
}

function serve(port: NonNullable<typeof parentPort>, data: WorkerData): void {
  const open = new Map<string, Candidate | Error>();
  const post = (m: FromWorker) => port.postMessage(m);
  // LiteRT's WASM compiles while the main thread calibrates; a failure surfaces where a model is loaded.
  if (data.litert) void getLiteRt().catch(() => undefined);
  const handle = async (m: ToWorker): Promise<void> => {
    if (m.type === 'open') {
      try {
        const layout = Array.isArray(m.layout) ? new Set(m.layout) : m.layout;
        const c = await tfliteCandidate(m.bytes, layout, m.target, m.file);
        open.set(m.key, c);
        post({
          type: 'opened',
          key: m.key,
          nhwc: c.nhwc,
          stored: c.stored && [...c.stored],
          shapes: c.shapes,
          valueBytes: c.valueBytes,
        });
      } catch (e) {
        open.set(m.key, e instanceof Error ? e : new Error(String(e)));
        post({ type: 'opened', key: m.key, error: serializeError(e) });
      }
    } else if (m.type === 'run') {
      const c = open.get(m.key);
      try {
        if (!c) throw new Error(`the .tflite candidate '${m.key}' is not open in its worker`);
        if (c instanceof Error) throw c;
        const feeds = feedsOf(m.feeds);
        // As compareOutputs would hand them: 4-D inputs NHWC where the file stores them so.
        const outputs = await c.run(m.nchw && c.nhwc ? toNhwc(feeds, c) : feeds);
        post({ type: 'result', key: m.key, index: m.index, outputs });
      } catch (e) {
        post({ type: 'result', key: m.key, index: m.index, error: serializeError(e) });
      }
    } else {
      const c = open.get(m.key);
      open.delete(m.key);
      if (c && !(c instanceof Error)) await c.close();
      post({ type: 'closed', key: m.key });
    }
  };
  let queue = Promise.resolve();
  port.on('message', (m: ToWorker) => {
    queue = queue.then(() =>
      handle(m).catch((e: unknown) => {
        // Only a close can get here (open and run answer with their error): nothing waits on it.
        if (process.env.MODEL_QUANT_LITERT_LOG) process.stderr.write(`tflite worker: ${String(e)}\n`);
      }),
    );
  });
}

if (!isMainThread && parentPort && (workerData as WorkerData | undefined)?.role === WORKER_ROLE)
  serve(parentPort, workerData as WorkerData);
