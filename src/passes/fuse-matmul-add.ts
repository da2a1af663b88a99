import type { Node } from '../ir/graph.js';
import { dtypeOf } from '../ops/common/shape.js';
import { rulePass, type Rule } from './rewrite.js';

/**
 * MatMul(A, B) + C into Gemm(A, B, C) when A and B are 2-D (Gemm's only shapes) and the constant C
 * broadcasts one way to [M, N] (Gemm's rule for C), so the result is the same tensor.
 */
const fuseMatMulAdd: Rule = {
  name: 'fuse-matmul-add-into-gemm',
  roots: ['Add'],
  match(add, cx) {
    if (cx.opset < 7) return undefined;
    for (const side of [0, 1]) {
      const mm = cx.soleProducer(add, side);
      if (mm?.opType !== 'MatMul') continue;
      const c = cx.constant(add.inputs[1 - side]!);
      const a = cx.shape(mm.inputs[0]!);
      const b = cx.shape(mm.inputs[1]!);
      // Float32 only: Gemm takes other types from opset 11 on, and the quantizer wants float.
      if (!c || c.dtype !== 'float32' || dtypeOf(cx.type(mm.inputs[0]!)) !== 'float32') continue;
      if (a?.length !== 2 || b?.length !== 2) continue;
      const [m, n] = [a[0], b[1]];
      const cd = c.dims;
      const lastOk = cd.length === 0 || cd[cd.length - 1] === 1 || cd[cd.length - 1] === n;
      const firstOk = cd.length < 2 || cd[0] === 1 || cd[0] === m;
      if (cd.length > 2 || !lastOk || !firstOk) continue;
      const gemm: Node = {
        name: mm.name,
        opType: 'Gemm',
        domain: '',
        inputs: [mm.inputs[0]!, mm.inputs[1]!, add.inputs[1 - side]!],
        outputs: [add.outputs[0]!],
        attrs: {},
      };
      return { remove: [mm, add], add: [gemm] };
    }
    return undefined;
  },
};

export const fuseMatMulAddRules: Rule[] = [fuseMatMulAdd];

export const fuseMatMulAddIntoGemm = rulePass(fuseMatMulAddRules);
