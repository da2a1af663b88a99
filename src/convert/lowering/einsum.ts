import { attrString } from '../../ir/attrs.js';
import type { Node } from '../../ir/graph.js';
import { UnsupportedOpError } from '../../errors.js';

/**
 * A two-operand Einsum that is one (batched) matrix product: every letter is a batch letter (both
 * operands and the output), a contracted one (both operands, not the output), or free to one operand
 * (that operand and the output). 'bhid,bhjd->bhij', 'bhij,bhjd->bhid', 'bid,jd->bij' are such.
 */
export interface EinsumPlan {
  a: string;
  b: string;
  out: string;
  batch: string[];
  contracted: string[];
  freeA: string[];
  freeB: string[];
}

export const EINSUM_SUPPORTED = [
  "Einsum of two operands that is one batched matrix product (e.g. 'bhid,bhjd->bhij', 'bid,jd->bij')",
];

export function einsumPlan(node: Node): EinsumPlan {
  const equation = attrString(node, 'equation', '').replace(/\s+/g, '');
  const refuse = (why: string): never => {
    throw new UnsupportedOpError(
      node.name,
      'Einsum',
      EINSUM_SUPPORTED,
      `in TFLite conversion (equation '${equation}': ${why})`,
    );
  };
  const m = /^([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]*)$/.exec(equation);
  if (!m) return refuse('needs two operands, letters only, and an explicit output');
  const [, a, b, out] = m as unknown as [string, string, string, string];
  for (const term of [a, b, out])
    if (new Set(term).size !== term.length) refuse(`a letter repeats within '${term}'`);
  const inA = (c: string) => a.includes(c);
  const inB = (c: string) => b.includes(c);
  const inOut = (c: string) => out.includes(c);
  for (const c of out) if (!inA(c) && !inB(c)) refuse(`output letter '${c}' is in no operand`);
  for (const c of a + b) if (!inOut(c) && !(inA(c) && inB(c))) refuse(`'${c}' is summed within one operand`);
  const plan: EinsumPlan = {
    a,
    b,
    out,
    batch: [...out].filter((c) => inA(c) && inB(c)),
    contracted: [...a].filter((c) => inB(c) && !inOut(c)),
    freeA: [...a].filter((c) => !inB(c)),
    freeB: [...b].filter((c) => !inA(c)),
  };
  if (plan.contracted.length === 0) refuse('nothing is contracted (an outer product)');
  return plan;
}
