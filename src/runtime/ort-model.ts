import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportOnnx, weightBytes, writeOnnxFile } from '../formats/onnx/export.js';
import type { Model } from '../ir/graph.js';
import {
  createOrtSession,
  IN_MEMORY_MODEL,
  ortBackend,
  type OrtSession,
  type OrtSessionOptions,
} from './ort.js';

/**
 * Weights above this go to ONNX Runtime as a file with external data rather than as bytes. Bytes cost a
 * second copy of every weight (the encoded model, beside the IR's tensors and ORT's own), and ORT refuses
 * them altogether past 2 GiB ("Model data size exceeds maximum supported size"). Below it, the copy is
 * small next to the process, and memory is quicker than the disk.
 */
export const SESSION_FILE_BYTES = 64 * 2 ** 20;

export interface ModelSessionOptions extends OrtSessionOptions {
  /** Weight bytes above which the model goes through a temporary file (default SESSION_FILE_BYTES). */
  fileBytes?: number;
  /**
   * Called once the model's encoded bytes or file exist, before ONNX Runtime reads them: the caller can drop
   * the IR's weights there, so that they and the session's are not held at the same time.
   */
  onEncoded?: () => void;
}

/**
 * A session on a graph built in memory (calibration's, the float reference's, a probe's): the one place
 * the pipeline decides how such a model reaches ONNX Runtime. Large models are written with their weights
 * as external data into a temporary folder and opened by path, so ORT reads the weights from the file (it
 * maps or copies them tensor by tensor) and no encoded copy of the model is ever held. The folder is
 * removed as soon as the session holds what it needs, or at the latest when it closes.
 */
export async function createModelSession(model: Model, opts: ModelSessionOptions = {}): Promise<OrtSession> {
  const { fileBytes = SESSION_FILE_BYTES, onEncoded, ...ortOpts } = opts;
  // The WASM build reads no files beside the model, and its 4 GiB address space holds no model this large.
  if (weightBytes(model.graph) <= fileBytes || (await ortBackend()) === 'wasm') {
    const { bytes } = exportOnnx(model);
    onEncoded?.();
    return createOrtSession(bytes, ortOpts);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'model-quant-session-'));
  const remove = () => {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      return true;
    } catch {
      // Windows refuses to delete a file ORT still maps; it goes when the session closes.
      return false;
    }
  };
  let session: OrtSession;
  try {
    const file = path.join(dir, 'model.onnx');
    writeOnnxFile(model, file, { externalData: { location: 'model.onnx.data' } });
    onEncoded?.();
    session = await createOrtSession(file, { name: IN_MEMORY_MODEL, ...ortOpts });
  } catch (e) {
    remove();
    throw e;
  }
  const removed = remove();
  if (removed) return session;
  return {
    ...session,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: (feeds, outputs) => session.run(feeds, outputs),
    async close() {
      await session.close();
      remove();
    },
  };
}
