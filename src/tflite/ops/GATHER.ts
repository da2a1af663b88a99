import { attrInt } from '../../ir/attrs.js';
import type { IntegerKernel } from '../../runtime/integer/types.js';
import { KernelError, requireDtype, sizeOf } from '../../runtime/integer/kernels/common/params.js';
import { normalizeAxis } from '../../runtime/integer/kernels/common/view.js';
import { defineBuiltin } from './common/builtin.js';
import { sameAsInput } from './common/int8.js';
import { field, optionsTable } from './common/options.js';
import { first, inp, is, opt } from './common/version.js';

/** Slices of input 0 along `axis` picked by the int32/int64 indices of input 1 (batch_dims 0). */
const kernel: IntegerKernel = {
  opType: 'GATHER',
  prepare(cx) {
    const x = cx.inputs[0]!;
    const indices = requireDtype(cx, 1, 'int32', 'int64');
    if (attrInt(cx.node, 'batch_dims', 0) !== 0)
      throw new KernelError(cx, 'batch_dims other than 0 is not supported');
    const axis = normalizeAxis(cx, attrInt(cx.node, 'axis', 0), x.shape.length);
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    const outer = sizeOf(x.shape.slice(0, axis));
    const dim = x.shape[axis]!;
    const inner = sizeOf(x.shape.slice(axis + 1));
    const count = sizeOf(indices.shape);
    return {
      outputs: [{ dtype: x.dtype, shape }],
      run([input, idx], [output]) {
        const src = input as Int8Array;
        const dst = output as Int8Array;
        const ids = idx as Int32Array | BigInt64Array;
        for (let o = 0; o < outer; o++) {
          for (let j = 0; j < count; j++) {
            let i = Number(ids[j]);
            if (i < 0) i += dim;
            if (i < 0 || i >= dim)
              throw new RangeError(`GATHER '${cx.node.name}': index ${ids[j]} is out of [0, ${dim})`);
            const from = (o * dim + i) * inner;
            dst.set(src.subarray(from, from + inner), (o * count + j) * inner);
          }
        }
      },
    };
  },
};

export const GATHER = defineBuiltin({
  name: 'GATHER',
  options: optionsTable('GatherOptions', [field('axis', 'int'), field('batch_dims', 'int')]),
  version: first(
    [(s) => is(inp(s, 0), 'INT4'), 7],
    [(s) => is(inp(s, 1), 'INT16'), 6],
    [(s) => !!opt(s, 'batch_dims'), 5],
    [(s) => is(inp(s, 0), 'INT16'), 4],
    [(s) => is(inp(s, 0), 'BOOL'), 3],
    [(s) => is(inp(s, 0), 'INT8'), 2],
  ),
  int8: sameAsInput,
  kernel,
});
