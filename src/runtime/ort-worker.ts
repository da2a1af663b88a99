/**
 * The worker side of ort-thread.ts, as the source the worker evaluates: onnxruntime-node sessions opened
 * and run on a worker thread, one message at a time, in the order they came (messages: ort-thread.ts
 * ToOrtThread and FromOrtThread). Plain JavaScript that loads onnxruntime-node (its path in `workerData`)
 * and nothing of the project's: started from a .ts file instead, a worker run from source (tsx, vitest)
 * registered tsx's loader first, 0.7 s CPU at each start (Node 20 strips no types), where this starts in
 * about 60 ms; and no worker file has to ship beside the library or the Action's bundle.
 */
export const ORT_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ort);
const sessions = new Map();
const post = (m, transfer = []) => parentPort.postMessage(m, transfer);
const message = (e) => (e instanceof Error ? e.message : String(e));
parentPort.on('message', async (m) => {
  if (m.type === 'open') {
    try {
      const s = await ort.InferenceSession.create(m.model, m.options);
      sessions.set(m.id, s);
      post({ type: 'opened', id: m.id, inputNames: [...s.inputNames], outputNames: [...s.outputNames] });
    } catch (e) {
      post({ type: 'opened', id: m.id, error: message(e) });
    }
  } else if (m.type === 'run') {
    try {
      const s = sessions.get(m.id);
      const feeds = {};
      for (const [k, t] of Object.entries(m.feeds)) feeds[k] = new ort.Tensor(t.type, t.data, t.dims);
      const result = await (m.outputs ? s.run(feeds, m.outputs) : s.run(feeds));
      const outputs = {};
      // Each output in a buffer of its own (onnxruntime-node copies them out): handed over, not copied.
      const transfer = new Set();
      for (const [k, t] of Object.entries(result)) {
        outputs[k] = { type: t.type, dims: [...t.dims], data: t.data };
        if (ArrayBuffer.isView(t.data) && t.data.buffer instanceof ArrayBuffer) transfer.add(t.data.buffer);
      }
      post({ type: 'result', seq: m.seq, outputs }, [...transfer]);
    } catch (e) {
      post({ type: 'result', seq: m.seq, error: message(e) });
    }
  } else {
    await sessions.get(m.id)?.release();
    sessions.delete(m.id);
  }
});
`;
