import { getOp } from '../ops/index.js';

/**
 * What the mixed-precision search may keep in higher precision in one step: a single op, or a group of
 * them. A loss spread thinly over many ops (pow2 on PP-OCRv4 rec: every Add and Mul together, issue 16)
 * shows in no single op's ranking, since keeping any one of them in float changes nearly nothing; a
 * group that holds them all does show it.
 */
export interface Choice {
  /** A node name, or a group's label. */
  node: string;
  /** The op type, or 'group'. */
  op: string;
  /** The nodes it keeps (one for a single op). */
  members: string[];
}

/** Contiguous blocks: the ops in graph order split into this many parts, for each count. */
const BLOCK_COUNTS = [2, 4, 8, 16];

/** Every op alone, then the groups: by op type, elementwise and normalization ops, contiguous blocks. */
export function choicesOf(ops: readonly { node: string; op: string }[]): Choice[] {
  const singles = ops.map((o) => ({ ...o, members: [o.node] }));
  const groups: Choice[] = [];
  const seen = new Set<string>();
  const add = (label: string, members: string[]) => {
    // A group equal to a single op or to another group adds nothing to try.
    const key = [...members].sort().join('\n');
    if (members.length < 2 || seen.has(key)) return;
    seen.add(key);
    groups.push({ node: label, op: 'group', members });
  };
  const types = [...new Set(ops.map((o) => o.op))];
  for (const t of types) {
    const members = ops.filter((o) => o.op === t).map((o) => o.node);
    add(`every ${t} (${members.length})`, members);
  }
  // Which op types belong to which group is the op descriptors' `precisionGroups`.
  for (const label of ['elementwise', 'normalization'] as const) {
    const members = ops.filter((o) => getOp(o.op)?.precisionGroups?.includes(label));
    const named = [...new Set(members.map((o) => o.op))];
    if (named.length > 1)
      add(
        `every ${named.join('/')} (${label}, ${members.length})`,
        members.map((o) => o.node),
      );
  }
  for (const parts of BLOCK_COUNTS) {
    const size = Math.ceil(ops.length / parts);
    if (size < 2 || size >= ops.length) continue;
    for (let i = 0; i < ops.length; i += size) {
      const block = ops.slice(i, i + size);
      add(
        `ops ${i + 1}-${i + block.length} of ${ops.length} (${block[0]!.node} … ${block.at(-1)!.node})`,
        block.map((o) => o.node),
      );
    }
  }
  return [...singles, ...groups];
}
