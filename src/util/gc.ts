import v8 from 'node:v8';
import vm from 'node:vm';

let gc: (() => void) | undefined;

/**
 * A full garbage collection, now. V8 frees an ArrayBuffer's memory only when it collects, and it does not
 * count what native runtimes (ONNX Runtime) allocate: weights dropped just before a session loads its own
 * copy would otherwise still be held while it does (the 500 MB model: 500 MB more at the peak). Exposed as
 * test runners do (setFlagsFromString, then `gc` from a new context). Twice: V8 sweeps array buffers after
 * the collection that found them unreachable, and the second collection completes the first one's sweep.
 */
export function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}
