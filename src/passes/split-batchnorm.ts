import type { Node } from '../ir/graph.js';
import { isInferenceBn } from '../ops/BatchNormalization.js';
import { bnAffine, f32 } from './channels.js';
import { rulePass, type Rule } from './rewrite.js';

/**
 * A BatchNormalization that stays unfused becomes a per-channel Mul and Add (y = x * s + t), which the
 * quantizer handles like any elementwise op. The original tool quantized such layers wrongly until it
 * split them (SEED v1.2). s and t are shaped [C, 1, ...] to broadcast along axis 1 of the input.
 */
const splitBn: Rule = {
  name: 'split-bn',
  roots: ['BatchNormalization'],
  match(bn, cx) {
    const rank = cx.rank(bn.inputs[0]!);
    // Broadcasting Mul/Add need opset 7 (earlier ones take a `broadcast` attribute instead).
    if (rank === undefined || rank < 2 || cx.opset < 7) return undefined;
    if (!isInferenceBn(bn, (v) => cx.isRead(v))) return undefined;
    const aff = bnAffine(bn, cx);
    if (!aff) return undefined;
    const c = aff.scale.length;
    const dims = [c, ...new Array<number>(rank - 2).fill(1)];
    const sName = cx.fresh(`${bn.inputs[1]}_scale`);
    const tName = cx.fresh(`${bn.inputs[2]}_shift`);
    const mid = cx.fresh(`${bn.outputs[0]}_scaled`);
    const mul: Node = {
      name: `${bn.name}_mul`,
      opType: 'Mul',
      domain: '',
      inputs: [bn.inputs[0]!, sName],
      outputs: [mid],
      attrs: {},
    };
    const add: Node = {
      name: `${bn.name}_add`,
      opType: 'Add',
      domain: '',
      inputs: [mid, tName],
      outputs: [bn.outputs[0]!],
      attrs: {},
    };
    return {
      remove: [bn],
      add: [mul, add],
      initializers: [
        [sName, f32(dims, aff.scale)],
        [tName, f32(dims, aff.shift)],
      ],
    };
  },
};

export const splitBatchNormRules: Rule[] = [splitBn];

export const splitBatchNorm = rulePass(splitBatchNormRules);
