import type { Node } from '../ir/graph.js';
import { castTarget } from '../ops/Cast.js';
import { padParams } from '../ops/Pad.js';
import { transposePerm } from '../ops/Transpose.js';
import { rulePass, type Rewrite, type Rule, type RuleContext } from './rewrite.js';

/**
 * Nodes that compute nothing: Identity, Dropout at inference, and Reshape/Transpose/Cast/Pad/Concat that
 * give back their input. Readers of the output read the input instead.
 */

function bypass(node: Node, cx: RuleContext, input = node.inputs[0]!): Rewrite | undefined {
  const out = node.outputs[0]!;
  if (!input || !cx.canReplace(out, input)) return undefined;
  return { remove: [node], replace: [[out, input]] };
}

function noOp(name: string, op: string, test: (node: Node, cx: RuleContext) => boolean): Rule {
  return { name, roots: [op], match: (node, cx) => (test(node, cx) ? bypass(node, cx) : undefined) };
}

const sameShape = (cx: RuleContext, a: string, b: string): boolean => {
  const x = cx.shape(a);
  const y = cx.shape(b);
  // Equal symbolic names are the same size; unknown (null) dims prove nothing.
  return !!x && !!y && x.length === y.length && x.every((d, i) => d !== null && d === y[i]);
};

/** Dropout-12+ trains when input 2 (training_mode) is true; before that, inference models never train. */
const dropoutIsIdentity = (node: Node, cx: RuleContext): boolean => {
  if (node.outputs[1] && cx.isRead(node.outputs[1])) return false;
  const mode = node.inputs[2] ? cx.constant(node.inputs[2]) : undefined;
  return !node.inputs[2] || (!!mode && mode.toNumbers()[0] === 0);
};

export const removeNoOpRules: Rule[] = [
  noOp('remove-identity', 'Identity', () => true),
  noOp('remove-dropout', 'Dropout', dropoutIsIdentity),
  noOp('remove-noop-reshape', 'Reshape', (n, cx) => sameShape(cx, n.inputs[0]!, n.outputs[0]!)),
  noOp('remove-noop-transpose', 'Transpose', (n, cx) => {
    const rank = cx.rank(n.inputs[0]!);
    return rank !== undefined && transposePerm(n, rank).every((p, i) => p === i);
  }),
  noOp('remove-noop-cast', 'Cast', (n, cx) => {
    const t = cx.type(n.inputs[0]!);
    return t?.kind === 'tensor' && t.dtype === castTarget(n);
  }),
  noOp('remove-noop-pad', 'Pad', (n, cx) => {
    const rank = cx.rank(n.inputs[0]!);
    const p = rank === undefined ? undefined : padParams(n, (v) => cx.constant(v), rank);
    return !!p && p.pads.every((v) => v === 0);
  }),
  noOp('remove-noop-concat', 'Concat', (n) => n.inputs.length === 1),
];

export const removeNoOps = rulePass(removeNoOpRules);
