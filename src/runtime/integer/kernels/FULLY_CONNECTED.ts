import { attrInt } from '../../../ir/attrs.js';
import type { IntegerKernel, KernelContext } from '../types.js';
import {
  activationRange,
  channelScales,
  fusedActivation,
  inputParams,
  KernelError,
  outputParams,
  requireDtype,
  sizeOf,
} from './common/params.js';
import { channelRescale } from './common/rescale.js';

/** x [..., IC] (rows of IC) * w [OC, IC]^T + bias -> [rows, OC], or [..., OC] with keep_num_dims. */
export const FULLY_CONNECTED: IntegerKernel = {
  opType: 'FULLY_CONNECTED',
  prepare(cx: KernelContext) {
    const x = requireDtype(cx, 0, 'int8');
    const w = requireDtype(cx, 1, 'int8');
    const b = cx.inputs[2]?.name ? requireDtype(cx, 2, 'int32') : undefined;
    if (!w.data) throw new KernelError(cx, 'weights must be constant');
    if (w.shape.length !== 2) throw new KernelError(cx, `weights must be 2-D, got [${w.shape}]`);
    const [OC, IC] = w.shape as [number, number];
    const total = sizeOf(x.shape);
    if (total % IC !== 0) throw new KernelError(cx, `input [${x.shape}] is not rows of ${IC}`);
    const rows = total / IC;
    const keep = attrInt(cx.node, 'keep_num_dims', 0) !== 0;
    const shape = keep ? [...x.shape.slice(0, -1), OC] : [rows, OC];
    const xq = inputParams(cx, 0);
    const yq = outputParams(cx, 0);
    const weights = w.data as Int8Array;
    const sums = new Int32Array(OC);
    for (let oc = 0; oc < OC; oc++) for (let i = 0; i < IC; i++) sums[oc]! += weights[oc * IC + i]!;
    const rescale = channelRescale(cx, {
      input: xq,
      weightScales: channelScales(cx, w, OC),
      output: yq,
      bias: b?.data as Int32Array | undefined,
      weightSums: sums,
      range: activationRange(cx, fusedActivation(cx), yq),
    });
    const acc = new Int32Array(OC);
    return {
      outputs: [{ dtype: 'int8', shape }],
      run([input], [output]) {
        const src = input as Int8Array;
        for (let r = 0; r < rows; r++) {
          denseRow(src, r * IC, weights, IC, OC, acc);
          rescale.row(acc, OC, output as Int8Array, r * OC);
        }
      },
    };
  },
};

function denseRow(x: Int8Array, xo: number, w: Int8Array, IC: number, OC: number, acc: Int32Array): void {
  let oc = 0;
  for (; oc + 4 <= OC; oc += 4) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    const w0 = oc * IC;
    for (let i = 0; i < IC; i++) {
      const v = x[xo + i]!;
      a0 += v * w[w0 + i]!;
      a1 += v * w[w0 + IC + i]!;
      a2 += v * w[w0 + 2 * IC + i]!;
      a3 += v * w[w0 + 3 * IC + i]!;
    }
    acc[oc] = a0;
    acc[oc + 1] = a1;
    acc[oc + 2] = a2;
    acc[oc + 3] = a3;
  }
  for (; oc < OC; oc++) {
    let a = 0;
    const wo = oc * IC;
    for (let i = 0; i < IC; i++) a += x[xo + i]! * w[wo + i]!;
    acc[oc] = a;
  }
}
