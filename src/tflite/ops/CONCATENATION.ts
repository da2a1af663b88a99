import { attrInt } from '../../ir/attrs.js';
import type { IntegerKernel } from '../../runtime/integer/types.js';
import {
  activationRange,
  fusedActivation,
  inputParams,
  int8Table,
  KernelError,
  outputParams,
  sizeOf,
} from '../../runtime/integer/kernels/common/params.js';
import { requantizeFunction } from '../../runtime/integer/kernels/common/requantize.js';
import { copyRun, normalizeAxis } from '../../runtime/integer/kernels/common/view.js';
import { defineBuiltin } from './common/builtin.js';
import { allSameAll } from './common/int8.js';
import { activation, field, optionsTable } from './common/options.js';
import { first, inp, is } from './common/version.js';

/**
 * Joins inputs along `axis`. An int8 input whose parameters differ from the output's is requantized
 * (TFLite's int8 kernel demands equal parameters; this is its generalisation), then clamped to the fused
 * activation's range.
 */
const kernel: IntegerKernel = {
  opType: 'CONCATENATION',
  prepare(cx) {
    const inputs = cx.inputs;
    const first = inputs[0]!;
    const rank = first.shape.length;
    const axis = normalizeAxis(cx, attrInt(cx.node, 'axis', 0), rank);
    for (const v of inputs) {
      if (
        v.dtype !== first.dtype ||
        v.shape.length !== rank ||
        v.shape.some((d, i) => i !== axis && d !== first.shape[i])
      )
        throw new KernelError(
          cx,
          `input '${v.name}' [${v.shape}] does not join [${first.shape}] on axis ${axis}`,
        );
    }
    const shape = [...first.shape];
    shape[axis] = inputs.reduce((s, v) => s + v.shape[axis]!, 0);
    const outer = sizeOf(shape.slice(0, axis));
    const blocks = inputs.map((v) => sizeOf(v.shape.slice(axis)));
    const rowLength = sizeOf(shape.slice(axis));
    let tables: (Int8Array | undefined)[] = inputs.map(() => undefined);
    if (first.dtype === 'int8') {
      const y = outputParams(cx, 0, 0);
      const [lo, hi] = activationRange(cx, fusedActivation(cx), y);
      tables = inputs.map((_, i) => {
        const f = requantizeFunction(cx, inputParams(cx, i), y);
        const t = int8Table((q) => Math.min(hi, Math.max(lo, f(q))));
        return t.every((v, j) => v === j - 128) ? undefined : t;
      });
    }
    return {
      outputs: [{ dtype: first.dtype, shape }],
      run(ins, [output]) {
        const dst = output as Int8Array;
        let offset = 0;
        ins.forEach((input, i) => {
          const src = input as Int8Array;
          const block = blocks[i]!;
          const table = tables[i];
          for (let o = 0; o < outer; o++) {
            const from = o * block;
            const to = o * rowLength + offset;
            if (!table) copyRun(dst, to, src, from, block);
            else for (let j = 0; j < block; j++) dst[to + j] = table[src[from + j]! + 128]!;
          }
          offset += block;
        });
      },
    };
  },
};

export const CONCATENATION = defineBuiltin({
  name: 'CONCATENATION',
  floorShift: 'exact',
  options: optionsTable('ConcatenationOptions', [field('axis', 'int'), activation]),
  version: first(
    [(s) => is(inp(s, 0), 'UINT32'), 4],
    [(s) => is(inp(s, 0), 'INT16'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  int8: allSameAll,
  kernel,
});
