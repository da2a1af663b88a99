import { attrFloat, attrInt, float } from '../ir/attrs.js';
import type { Node } from '../ir/graph.js';
import type { Tensor } from '../ir/tensor.js';
import { isInferenceBn } from '../ops/BatchNormalization.js';
import { broadcastIndex } from '../ops/common/compute.js';
import { broadcastShapes } from '../ops/common/shape.js';
import {
  bnAffine,
  biasOf,
  convWeight,
  f32,
  outChannels,
  padsSomething,
  perChannel,
  scaleInputChannels,
  scaleOutputChannels,
  withInputs,
  type Affine,
} from './channels.js';
import { rulePass, type Rule, type RuleContext } from './rewrite.js';

/**
 * Folds an inference BatchNormalization (y = s * x + t per channel, axis 1) into the linear op before
 * it (Conv, ConvTranspose, Gemm, MatMul with or without its bias Add) when that op's output feeds only
 * the BN, or into the Conv after it when that is exact. The original tool's exclusions hold by
 * construction (SEED v1.1): an activation between the two (Conv+Act+BN, BN+Act+Conv) means no match.
 */

/** The BN's affine form when it can be folded at all. */
function foldableBn(bn: Node, cx: RuleContext): Affine | undefined {
  if (!isInferenceBn(bn, (v) => cx.isRead(v))) return undefined;
  return bnAffine(bn, cx);
}

function foldIntoConvBefore(kind: 'Conv' | 'ConvTranspose'): Rule {
  return {
    name: `fold-bn-into-${kind.toLowerCase()}`,
    roots: ['BatchNormalization'],
    match(bn, cx) {
      const conv = cx.soleProducer(bn);
      if (conv?.opType !== kind) return undefined;
      const aff = foldableBn(bn, cx);
      const cw = convWeight(conv, cx);
      if (!aff || !cw) return undefined;
      const m = outChannels(kind, cw.w, cw.group);
      const bias = biasOf(conv, cx, m);
      if (!bias || aff.scale.length !== m) return undefined;
      const w = scaleOutputChannels(kind, cw.w, cw.group, aff.scale);
      const b = bias.map((v, c) => v * aff.scale[c]! + aff.shift[c]!);
      const wName = cx.fresh(`${conv.inputs[1]}_bn`);
      const bName = cx.fresh(`${conv.outputs[0]}_bias_bn`);
      return {
        remove: [conv, bn],
        add: [withInputs(conv, [conv.inputs[0]!, wName, bName], [bn.outputs[0]!])],
        initializers: [
          [wName, w],
          [bName, f32([m], b)],
        ],
      };
    },
  };
}

/** Gemm: Y = alpha * A'B' + beta * C; BN scales column n of B' and folds into C (beta becomes 1). */
const foldIntoGemm: Rule = {
  name: 'fold-bn-into-gemm',
  roots: ['BatchNormalization'],
  match(bn, cx) {
    const gemm = cx.soleProducer(bn);
    if (gemm?.opType !== 'Gemm') return undefined;
    const aff = foldableBn(bn, cx);
    const b = cx.constant(gemm.inputs[1]!);
    if (!aff || b?.dtype !== 'float32' || b.dims.length !== 2) return undefined;
    const transB = attrInt(gemm, 'transB', 0) === 1;
    const n = transB ? b.dims[0]! : b.dims[1]!;
    if (aff.scale.length !== n) return undefined;
    const c = gemm.inputs[2] ? cx.constant(gemm.inputs[2]) : undefined;
    if (gemm.inputs[2] && c?.dtype !== 'float32') return undefined;
    const newC = foldedBias(c, attrFloat(gemm, 'beta', 1), n, aff);
    if (!newC) return undefined;
    const bName = cx.fresh(`${gemm.inputs[1]}_bn`);
    const cName = cx.fresh(`${gemm.outputs[0]}_bias_bn`);
    const attrs = { ...gemm.attrs, beta: float(1) };
    return {
      remove: [gemm, bn],
      add: [withInputs(gemm, [gemm.inputs[0]!, bName, cName], [bn.outputs[0]!], attrs)],
      initializers: [
        [bName, scaleColumns(b, aff.scale, transB)],
        [cName, newC],
      ],
    };
  },
};

/** beta * C * s + t, broadcast over the last axis of size n (C absent: t). */
function foldedBias(c: Tensor | undefined, beta: number, n: number, aff: Affine): Tensor | undefined {
  if (!c) return f32([n], aff.shift);
  const dims = broadcastShapes([[...c.dims], [n]]);
  if (dims.length > 2 || dims.some((d) => typeof d !== 'number')) return undefined;
  const out = dims as number[];
  const idx = broadcastIndex(c.dims, out);
  const v = c.toFloat32();
  const vals = Array.from(idx, (j, i) => beta * v[j]! * aff.scale[i % n]! + aff.shift[i % n]!);
  return f32(out, vals);
}

/** B [K, N] (or [N, K] when transposed) with output column n scaled by s[n]. */
function scaleColumns(b: Tensor, s: Float64Array, transposed: boolean): Tensor {
  const v = b.toFloat32();
  const cols = b.dims[1]!;
  return f32(
    b.dims,
    v.map((x, i) => x * s[transposed ? Math.floor(i / cols) : i % cols]!),
  );
}

/** MatMul(x, W) [+ b] with a 2-D output: BN scales W's columns; the bias becomes b * s + t. */
const foldIntoMatMul: Rule = {
  name: 'fold-bn-into-matmul',
  roots: ['BatchNormalization'],
  match(bn, cx) {
    if (cx.rank(bn.inputs[0]!) !== 2) return undefined;
    let add = cx.soleProducer(bn);
    let mm = add;
    if (add?.opType === 'Add')
      mm = [0, 1].map((i) => cx.soleProducer(add!, i)).find((p) => p?.opType === 'MatMul');
    else add = undefined;
    if (mm?.opType !== 'MatMul') return undefined;
    const aff = foldableBn(bn, cx);
    const w = cx.constant(mm.inputs[1]!);
    if (!aff || w?.dtype !== 'float32' || w.dims.length !== 2 || w.dims[1] !== aff.scale.length)
      return undefined;
    const n = w.dims[1]!;
    let bias: Float64Array = new Float64Array(n);
    if (add) {
      const bt = cx.constant(add.inputs.find((i) => i !== mm!.outputs[0])!);
      const b = bt && perChannel(bt, 2, 1, n);
      if (!b) return undefined;
      bias = b;
    }
    const wName = cx.fresh(`${mm.inputs[1]}_bn`);
    const bName = cx.fresh(`${bn.outputs[0]}_bias`);
    const mid = add ? mm.outputs[0]! : cx.fresh(`${mm.outputs[0]}_bn`);
    const newAdd: Node = {
      name: add?.name ?? `${bn.name}_add`,
      opType: 'Add',
      domain: '',
      inputs: [mid, bName],
      outputs: [bn.outputs[0]!],
      attrs: {},
    };
    return {
      remove: add ? [mm, add, bn] : [mm, bn],
      add: [withInputs(mm, [mm.inputs[0]!, wName], [mid]), newAdd],
      initializers: [
        [wName, scaleColumns(w, aff.scale, false)],
        [
          bName,
          f32(
            [n],
            bias.map((v, c) => v * aff.scale[c]! + aff.shift[c]!),
          ),
        ],
      ],
    };
  },
};

/**
 * BN then Conv: Conv(s * x + t) = Conv'(x) with W' = W * s (per input channel) and b' = b + sum(W * t).
 * Exact only when the Conv pads nothing, or when t = 0 (the BN maps the padded 0 to 0).
 */
const foldIntoNextConv: Rule = {
  name: 'fold-bn-into-next-conv',
  roots: ['BatchNormalization'],
  match(bn, cx) {
    const conv = cx.soleConsumer(bn.outputs[0]!);
    if (conv?.opType !== 'Conv' || conv.domain !== '' || conv.inputs[0] !== bn.outputs[0]) return undefined;
    const aff = foldableBn(bn, cx);
    const cw = convWeight(conv, cx);
    if (!aff || !cw || cw.w.dims[1]! * cw.group !== aff.scale.length) return undefined;
    const m = cw.w.dims[0]!;
    const bias = biasOf(conv, cx, m);
    if (!bias || (padsSomething(conv) && aff.shift.some((t) => t !== 0))) return undefined;
    const { w, b } = scaleInputChannels(cw.w, cw.group, aff, bias);
    const wName = cx.fresh(`${conv.inputs[1]}_bn`);
    const bName = cx.fresh(`${conv.outputs[0]}_bias_bn`);
    return {
      remove: [bn, conv],
      add: [withInputs(conv, [bn.inputs[0]!, wName, bName])],
      initializers: [
        [wName, w],
        [bName, f32([m], b)],
      ],
    };
  },
};

export const foldBatchNormRules: Rule[] = [
  foldIntoConvBefore('Conv'),
  foldIntoConvBefore('ConvTranspose'),
  foldIntoGemm,
  foldIntoMatMul,
  foldIntoNextConv,
];

/** The pass: every BatchNormalization that one of the rules can fold. */
export const foldBatchNorm = rulePass(foldBatchNormRules);
