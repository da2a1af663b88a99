import type { Data, IntegerKernel, KernelContext } from '../../types.js';
import { KernelError, sizeOf } from './params.js';

/** An op that only relabels the shape: its output is its input's buffer (no copy, nothing to run). */
export function viewKernel(
  opType: string,
  shapeOf: (cx: KernelContext, input: number[]) => number[],
): IntegerKernel {
  return {
    opType,
    prepare(cx) {
      const x = cx.inputs[0];
      if (!x) throw new KernelError(cx, 'input 0 is missing');
      const shape = shapeOf(cx, x.shape);
      if (sizeOf(shape) !== sizeOf(x.shape))
        throw new KernelError(cx, `cannot view [${x.shape}] as [${shape}]`);
      return { outputs: [{ dtype: x.dtype, shape, aliasOfInput: true }], run() {} };
    },
  };
}

/** NumPy-style axis in [0, rank), from a possibly negative one. */
export function normalizeAxis(cx: KernelContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new KernelError(cx, `axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/**
 * Copies src[from, from + n) to dst[to, ...): one block copy for a long run, a loop for a short one (a
 * subarray view costs about as much as copying 30 bytes; PP-OCRv4 det's maps have 16-96 channels, and its
 * pads, resizes and concatenations copied them pixel by pixel).
 */
export function copyRun(dst: Data, to: number, src: Data, from: number, n: number): void {
  if (n >= BLOCK_COPY) (dst as Int8Array).set((src as Int8Array).subarray(from, from + n), to);
  else for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
}

const BLOCK_COPY = 64;
